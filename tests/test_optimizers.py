"""Optimizers: each one learns, decoupled weight decay equals L2 for SGD and differs for Adam."""
import numpy as np
import pytest

from lib.data import load_mnist
from lib.net import MultiLayerNet
from lib.optimizers import OPTIMIZERS, SGD, SGDW, Adam, AdamW, Momentum, RMSProp, get_optimizer
from lib.train import train

LR = {"sgd": 0.1, "momentum": 0.02, "rmsprop": 0.001, "adam": 0.001, "adamw": 0.001, "sgdw": 0.1}


@pytest.fixture(scope="module")
def mnist300():
    (x, t), _ = load_mnist()
    return x[:300], t[:300]


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_each_optimizer_reduces_the_loss(name, mnist300):
    x, t = mnist300
    net = MultiLayerNet(784, [40], 10, seed=0)
    start_loss, start_acc = net.loss(x, t), net.accuracy(x, t)
    train(net, x, t, epochs=8, lr=LR[name], optimizer=name, eval_train=False)
    assert net.loss(x, t) < 0.5 * start_loss
    assert net.accuracy(x, t) > start_acc + 0.5


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_get_optimizer_builds_the_named_class(name):
    opt = get_optimizer(name.upper(), lr=0.005)
    assert opt.lr == 0.005
    expected = {"adamw": Adam, "sgdw": SGD}.get(name, OPTIMIZERS[name])
    assert type(opt) is expected
    if name in ("adamw", "sgdw"):
        assert opt.weight_decay > 0           # the W variants decay by default


def small_problem(seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((8, 5)), rng.integers(0, 3, 8)


def test_sgd_weight_decay_equals_l2_in_the_loss_one_step():
    """W - lr * (dW + lam * W) for SGD + L2, and W(1 - lr * lam) - lr * dW for decoupled decay:
    the same numbers.  (With the decay applied after the step instead, they would differ by
    lr**2 * lam * dW.)"""
    x, t = small_problem()
    lr, lam = 0.1, 0.5
    l2 = MultiLayerNet(5, [4], 3, seed=0, dtype=np.float64, weight_decay_lambda=lam)
    decoupled = MultiLayerNet(5, [4], 3, seed=0, dtype=np.float64)
    start = l2.copy_params()
    SGD(lr=lr).update(l2.params, l2.gradient(x, t))
    SGDW(lr=lr, weight_decay=lam).update(decoupled.params, decoupled.gradient(x, t))
    for key in l2.params:
        assert not np.allclose(l2.params[key], start[key])             # the step did something
        np.testing.assert_allclose(decoupled.params[key], l2.params[key], rtol=1e-12, atol=1e-15)


def test_sgd_weight_decay_equals_l2_over_many_steps():
    x, t = small_problem()
    l2 = MultiLayerNet(5, [4], 3, seed=0, dtype=np.float64, weight_decay_lambda=0.3)
    decoupled = MultiLayerNet(5, [4], 3, seed=0, dtype=np.float64)
    opt_l2, opt_dec = SGD(lr=0.2), SGD(lr=0.2, weight_decay=0.3)
    for _ in range(50):
        opt_l2.update(l2.params, l2.gradient(x, t))
        opt_dec.update(decoupled.params, decoupled.gradient(x, t))
    for key in l2.params:
        np.testing.assert_allclose(decoupled.params[key], l2.params[key], rtol=1e-9, atol=1e-12)


def test_adam_with_l2_differs_from_adamw():
    """Adam divides each gradient by its own running scale, the L2 term included: with no data
    gradient, its first step moves every weight by about lr whatever its size.  AdamW decays
    each weight in proportion to its size, outside the adaptive step."""
    lr, lam = 0.01, 0.1
    W0 = np.array([0.01, 1.0, 100.0])
    zero = np.zeros(3)
    adam_l2 = {"W1": W0.copy()}
    Adam(lr=lr).update(adam_l2, {"W1": zero + lam * W0})     # L2 term lam * W as the gradient
    adamw = {"W1": W0.copy()}
    AdamW(lr=lr, weight_decay=lam).update(adamw, {"W1": zero})
    np.testing.assert_allclose(W0 - adam_l2["W1"], lr, rtol=1e-5)          # the same step for all
    np.testing.assert_allclose(W0 - adamw["W1"], lr * lam * W0, rtol=1e-12)  # proportional to W

    # On a real network the two runs end in clearly different places.
    x, t = small_problem()
    a = MultiLayerNet(5, [4], 3, seed=0, dtype=np.float64, weight_decay_lambda=lam)
    b = MultiLayerNet(5, [4], 3, seed=0, dtype=np.float64)
    opt_a, opt_b = Adam(lr=lr), AdamW(lr=lr, weight_decay=lam)
    for _ in range(20):
        opt_a.update(a.params, a.gradient(x, t))
        opt_b.update(b.params, b.gradient(x, t))
    diff = max(np.abs(a.params[k] - b.params[k]).max() for k in a.params if k.startswith("W"))
    assert diff > 1e-3


def test_adam_first_step_is_lr_times_sign():
    """Bias correction: after one step m_hat = g and v_hat = g**2, so the step is lr * g / |g|."""
    g = np.array([1e-4, -3.0, 250.0])
    p = {"W1": np.zeros(3)}
    Adam(lr=0.01).update(p, {"W1": g})
    np.testing.assert_allclose(p["W1"], -0.01 * np.sign(g), rtol=1e-3)


def test_momentum_and_rmsprop_formulas():
    g = np.array([1.0, -2.0])
    p = {"W1": np.zeros(2)}
    opt = Momentum(lr=0.1, momentum=0.9)
    opt.update(p, {"W1": g})
    opt.update(p, {"W1": g})
    # v1 = -0.1 g, v2 = 0.9 v1 - 0.1 g = -0.19 g; W = v1 + v2 = -0.29 g
    np.testing.assert_allclose(p["W1"], -0.29 * g, rtol=1e-12)
    p = {"W1": np.zeros(2)}
    RMSProp(lr=0.01, decay_rate=0.99, eps=1e-300).update(p, {"W1": g})   # eps must be > 0; this one is negligible
    # h = 0.01 g**2, step = lr * g / sqrt(h) = 0.1 * sign(g)
    np.testing.assert_allclose(p["W1"], -0.1 * np.sign(g), rtol=1e-12)


@pytest.mark.parametrize("cls", [SGD, Momentum, RMSProp, Adam])
def test_decoupled_decay_touches_weights_only(cls):
    params = {"W1": np.full(4, 2.0), "b1": np.full(4, 2.0)}
    opt = cls(lr=0.1, weight_decay=0.5)
    opt.update(params, {"W1": np.zeros(4), "b1": np.zeros(4)})
    np.testing.assert_allclose(params["W1"], 2.0 * (1 - 0.1 * 0.5))
    np.testing.assert_array_equal(params["b1"], 2.0)
