"""The penalties do what the chapters claim: L2 shrinks weights, L1 zeroes them, biases are
left alone, and the penalty is reported apart from the data loss."""
import numpy as np
import pytest

from lib.data import load_mnist
from lib.net import MultiLayerNet
from lib.optimizers import SGD
from lib.penalties import L1, L2, decay_budget, l2_shrink_factor, soft_threshold
from lib.train import train


@pytest.fixture(scope="module")
def mnist500():
    (x, t), _ = load_mnist()
    return x[:500], t[:500]


def test_penalty_values():
    W = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert L2(0.1).value(W) == pytest.approx(0.5 * 0.1 * (1 + 4 + 0.25))
    assert L1(0.1).value(W) == pytest.approx(0.1 * (1 + 2 + 0.5))
    np.testing.assert_array_equal(L2(0.1).grad(W), 0.1 * W)
    np.testing.assert_array_equal(L1(0.1).grad(W), [[0.1, -0.1], [0.1, 0.0]])
    assert L2(0).value(W) == 0 and L1(0).value(W) == 0


def test_soft_threshold_is_the_proximal_step():
    """prox(v) = argmin_w 0.5 * (w - v)**2 + thr * |w|, checked against a fine grid search."""
    thr = 0.3
    v = np.array([-1.0, -0.31, -0.3, -0.1, 0.0, 0.2, 0.3, 0.45, 2.0])
    grid = np.linspace(-3, 3, 600001)
    brute = np.array([grid[np.argmin(0.5 * (grid - vi) ** 2 + thr * np.abs(grid))] for vi in v])
    np.testing.assert_allclose(soft_threshold(v, thr), brute, atol=2e-5)
    W = v.copy()
    out = L1(0.1).prox(W, lr=3.0)                 # threshold lr * lam = 0.3, in place
    assert out is W
    np.testing.assert_allclose(W, soft_threshold(v, thr))
    assert np.all(W[np.abs(v) <= thr] == 0)       # exactly zero, not merely small


def test_weight_norms_fall_as_l2_lambda_grows(mnist500):
    x, t = mnist500
    lams = [0.0, 0.01, 0.03, 0.1, 0.3]
    norms = []
    for lam in lams:
        net = MultiLayerNet(784, [50], 10, weight_decay_lambda=lam, seed=0)
        train(net, x, t, epochs=10, lr=0.1, eval_train=False)
        norms.append(float(np.sum(net.weights().astype(np.float64) ** 2)))
    assert all(a > b for a, b in zip(norms, norms[1:])), norms
    assert norms[-1] < 0.2 * norms[0]              # and not by a hair


def test_l1_drives_many_weights_to_zero(mnist500):
    x, t = mnist500
    results = {}
    for method in ("subgradient", "proximal"):
        net = MultiLayerNet(784, [50], 10, l1_lambda=0.005, l1_method=method, seed=0)
        train(net, x, t, epochs=15, lr=0.1, eval_train=False)
        w = net.weights()
        results[method] = (np.mean(w == 0), np.mean(np.abs(w) < 1e-3), net.accuracy(x, t))
    plain = MultiLayerNet(784, [50], 10, seed=0)
    train(plain, x, t, epochs=15, lr=0.1, eval_train=False)
    w0 = plain.weights()
    assert np.mean(w0 == 0) == 0 and np.mean(np.abs(w0) < 1e-3) < 0.05
    exact, near, acc = results["subgradient"]
    # Subgradient steps jitter around 0 (by about lr * lam) but almost never land on it.
    assert near > 0.35 and exact < 0.01 and acc > 0.8
    exact, near, acc = results["proximal"]
    # The proximal step puts them exactly on 0.
    assert exact > 0.35 and acc > 0.8


def test_penalty_applies_to_weights_only():
    net = MultiLayerNet(6, [5], 3, weight_decay_lambda=0.2, l1_lambda=0.1, seed=0, dtype=np.float64)
    before = net.penalty()
    expected = sum(0.5 * 0.2 * np.sum(net.params[k] ** 2) + 0.1 * np.sum(np.abs(net.params[k]))
                   for k in ("W1", "W2"))
    assert before == pytest.approx(expected, rel=1e-12)
    net.set_params({"b1": np.full(5, 100.0), "b2": np.full(3, -100.0)})
    assert net.penalty() == before                # huge biases cost nothing


def test_training_with_penalties_leaves_biases_to_the_data():
    """With zero data gradient for the biases, a penalty must not move them; with decoupled
    weight decay neither.  Compared to the same run without a penalty, bias steps are identical
    on the first step (same data gradient)."""
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((8, 6)), rng.integers(0, 3, 8)
    plain = MultiLayerNet(6, [5], 3, seed=0, dtype=np.float64)
    reg = MultiLayerNet(6, [5], 3, seed=0, dtype=np.float64, weight_decay_lambda=0.5, l1_lambda=0.1,
                        l1_method="proximal")
    for net in (plain, reg):
        SGD(lr=0.1).update(net.params, net.gradient(x, t))
        net.after_step(0.1)
    for k in ("b1", "b2"):
        np.testing.assert_array_equal(plain.params[k], reg.params[k])
    assert not np.allclose(plain.params["W1"], reg.params["W1"])
    # Decoupled decay (SGDW) also leaves biases alone.
    params = {"W1": np.ones(3), "b1": np.ones(3)}
    SGD(lr=0.1, weight_decay=0.5).update(params, {"W1": np.zeros(3), "b1": np.zeros(3)})
    np.testing.assert_allclose(params["W1"], 0.95)
    np.testing.assert_array_equal(params["b1"], 1.0)


def test_loss_is_data_loss_plus_penalty(mnist500):
    x, t = mnist500
    x, t = x[:100], t[:100]
    net = MultiLayerNet(784, [30], 10, weight_decay_lambda=0.05, l1_lambda=0.001, seed=0)
    penalty = net.penalty()
    assert penalty > 0
    assert net.loss(x, t) == pytest.approx(net.data_loss(x, t) + penalty, rel=1e-12)
    assert net.data_loss(x, t) == pytest.approx(MultiLayerNet(784, [30], 10, seed=0).loss(x, t), rel=1e-6)
    # The training history keeps them apart too: train_loss is the data loss alone.
    h = train(net, x, t, epochs=3, lr=0.05)
    assert h.penalty[-1] == pytest.approx(net.penalty(), rel=1e-12)
    assert h.train_loss[-1] == pytest.approx(net.data_loss(x, t), rel=1e-5)
    assert h.penalty[-1] > 0.05 * h.train_loss[-1]      # big enough that mixing them up would show


def test_l2_shrink_factor_is_what_penalty_only_sgd_steps_leave():
    """(1 - lr*lam)**steps is exactly what SGD on the L2 penalty alone does to a weight, and it is
    close to exp(-decay_budget) for small lr*lam."""
    W = np.array([[1.0, -2.0], [0.5, 3.0]])
    lr, lam, steps = 0.01, 0.03, 603
    w = W.copy()
    for _ in range(steps):
        w -= lr * L2(lam).grad(w)
    np.testing.assert_allclose(w, W * l2_shrink_factor(lr, lam, steps), rtol=1e-12)
    assert decay_budget(lr, lam, steps) == pytest.approx(0.1809)
    assert l2_shrink_factor(lr, lam, steps) == pytest.approx(np.exp(-0.1809), rel=1e-3)


def test_equal_budgets_shrink_alike_and_l1_budget_is_the_total_pull():
    assert l2_shrink_factor(0.01, 0.1, 600) == pytest.approx(l2_shrink_factor(0.1, 0.01, 600), rel=3e-3)
    w = np.array([5.0, -5.0, 0.001])
    for _ in range(600):
        w = L1(0.1).prox(w, 0.01)
    np.testing.assert_allclose(w, [5 - decay_budget(0.01, 0.1, 600), -5 + 0.6, 0.0])


@pytest.mark.parametrize("args, message", [((-0.1, 0.1, 10), "lr"), ((0.1, -1, 10), "lam"),
                                           ((0.1, 0.1, -5), "steps"), ((1.0, 2.0, 10), "lr \\* lam")])
def test_budget_helpers_reject_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        l2_shrink_factor(*args)
