"""Numerical gradient checks: every backward pass against central differences, in float64.

relative error = ||analytic - numerical|| / (||analytic|| + ||numerical||), must be < 1e-6.
Central differences with h = 1e-5 are accurate to about h**2 ~ 1e-10 in float64, so a correct
backward pass passes with a wide margin and a wrong one (missing factor, wrong sign, wrong mask)
fails by orders of magnitude.
"""
import numpy as np
import pytest

from lib.layers import Affine, Dropout, Relu, Sigmoid, SoftmaxWithLoss
from lib.net import MultiLayerNet
from lib.penalties import L1, L2

H = 1e-5
TOL = 1e-6


def numerical_grad(f, a, h=H):
    """Central differences of the scalar function f() with respect to the array a (changed in place)."""
    g = np.zeros_like(a, dtype=np.float64)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + h
        up = f()
        a[i] = old - h
        down = f()
        a[i] = old
        g[i] = (up - down) / (2 * h)
    return g


def rel_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def away_from_zero(rng, shape, margin=0.1):
    """Standard normal values pushed at least `margin` away from 0 (kinks of ReLU and |w|)."""
    x = rng.standard_normal(shape)
    return np.where(x >= 0, x + margin, x - margin)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


# --- layers ------------------------------------------------------------------------------------
# For a layer y = f(x), the check uses the scalar L = sum(G * y) with a fixed random G, so that
# dL/dy = G is what backward receives.

def test_affine_gradients(rng):
    x, W, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)
    G = rng.standard_normal((4, 3))
    layer = Affine(W, b)

    def L():
        return float(np.sum(G * layer.forward(x)))

    L()
    dx = layer.backward(G)
    assert dx.shape == x.shape and layer.dW.shape == W.shape and layer.db.shape == b.shape
    assert rel_error(dx, numerical_grad(L, x)) < TOL
    assert rel_error(layer.dW, numerical_grad(L, W)) < TOL
    assert rel_error(layer.db, numerical_grad(L, b)) < TOL


def test_affine_need_dx_false_skips_only_dx(rng):
    x, W, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)
    G = rng.standard_normal((4, 3))
    layer = Affine(W, b)
    layer.forward(x)
    assert layer.backward(G, need_dx=False) is None
    dW, db = layer.dW.copy(), layer.db.copy()
    layer.backward(G)
    np.testing.assert_array_equal(dW, layer.dW)
    np.testing.assert_array_equal(db, layer.db)


@pytest.mark.parametrize("layer_cls", [Relu, Sigmoid])
def test_activation_gradients(rng, layer_cls):
    x = away_from_zero(rng, (4, 6))
    G = rng.standard_normal((4, 6))
    layer = layer_cls()

    def L():
        return float(np.sum(G * layer.forward(x)))

    L()
    dx = layer.backward(G)
    assert rel_error(dx, numerical_grad(L, x)) < TOL


@pytest.mark.parametrize("mode", ["inverted", "book"])
def test_dropout_gradient_with_frozen_mask(rng, mode):
    x = rng.standard_normal((6, 8))
    G = rng.standard_normal((6, 8))
    layer = Dropout(0.4, mode=mode, rng=0)
    layer.forward(x, train=True)
    layer.frozen = True

    def L():
        return float(np.sum(G * layer.forward(x, train=True)))

    L()
    dx = layer.backward(G)
    assert 0 < np.count_nonzero(layer.mask) < layer.mask.size   # some units dropped, some kept
    assert rel_error(dx, numerical_grad(L, x)) < TOL


def test_dropout_gradient_check_fails_with_a_fresh_mask_per_call(rng):
    """Why freezing is needed: with a new mask on every forward pass, loss(x + h) and loss(x - h)
    are two different functions, and their difference over 2h is noise of size 1/h."""
    x = rng.standard_normal((6, 8))
    G = rng.standard_normal((6, 8))
    layer = Dropout(0.4, rng=0)

    def L():
        return float(np.sum(G * layer.forward(x, train=True)))

    L()
    dx = layer.backward(G)
    numerical = numerical_grad(L, x)
    assert rel_error(dx, numerical) > 0.5
    assert np.abs(numerical).max() > 1e3   # differences of O(1) divided by 2h


def test_softmax_with_loss_gradient(rng):
    scores = 3 * rng.standard_normal((5, 4))
    t = np.array([0, 3, 1, 1, 2])
    layer = SoftmaxWithLoss()

    def L():
        return layer.forward(scores, t)

    L()
    dscores = layer.backward()
    assert rel_error(dscores, numerical_grad(L, scores)) < TOL
    L()   # the numerical check left the layer at a perturbed point
    # Upstream gradient scales it linearly (chain rule).
    np.testing.assert_allclose(layer.backward(2.5), 2.5 * dscores, rtol=1e-12)


# --- penalties -------------------------------------------------------------------------------

def test_l2_penalty_gradient(rng):
    W = rng.standard_normal((5, 4))
    pen = L2(0.3)
    assert rel_error(pen.grad(W), numerical_grad(lambda: pen.value(W), W)) < TOL


def test_l1_penalty_gradient_away_from_zero(rng):
    W = away_from_zero(rng, (5, 4))
    pen = L1(0.3)
    assert rel_error(pen.grad(W), numerical_grad(lambda: pen.value(W), W)) < TOL


# --- the whole network ------------------------------------------------------------------------

NET_CASES = {
    "relu-plain": dict(),
    "relu-L2": dict(weight_decay_lambda=0.1),
    "relu-L1": dict(l1_lambda=0.05),
    "relu-L1-L2-dropout": dict(weight_decay_lambda=0.1, l1_lambda=0.05, dropout_ratio=0.3),
    "sigmoid-L2-dropout-book": dict(activation="sigmoid", weight_init_std="xavier",
                                    weight_decay_lambda=0.2, dropout_ratio=0.3, dropout_mode="book"),
}


def small_net_and_data(seed=3, **kwargs):
    rng = np.random.default_rng(seed)
    net = MultiLayerNet(6, [5, 4], 3, seed=seed, dtype=np.float64, **kwargs)
    # Non-zero biases: with zero biases, a unit whose inputs are all dropped sits exactly on the
    # ReLU kink, and a bias gradient of 0 would hide a missing db.
    net.set_params({k: away_from_zero(rng, p.shape) for k, p in net.params.items() if k.startswith("b")})
    x = rng.standard_normal((4, 6))
    t = np.array([0, 2, 1, 2])
    return net, x, t


@pytest.mark.parametrize("case", list(NET_CASES))
def test_network_gradient_matches_numerical(case):
    net, x, t = small_net_and_data(**NET_CASES[case])
    if net.l1_lambda:
        # |w| has a kink at 0: the check is valid only where no weight is within h of it.
        assert np.abs(net.weights()).min() > 100 * H
    net.freeze_dropout(True)
    grads = net.gradient(x, t)          # draws the dropout masks once, then they stay
    numerical = net.numerical_gradient(x, t, h=H)
    assert set(grads) == set(net.params) == set(numerical)
    for key in net.params:
        assert grads[key].shape == net.params[key].shape
        assert rel_error(grads[key], numerical[key]) < TOL, key


def test_network_gradient_includes_the_penalty():
    """The same net with and without a penalty: the weight gradients differ by exactly
    lam * W (L2) + lam1 * sign(W) (L1); the bias gradients do not differ at all."""
    plain, x, t = small_net_and_data()
    reg, _, _ = small_net_and_data(weight_decay_lambda=0.1, l1_lambda=0.05)
    g0, g1 = plain.gradient(x, t), reg.gradient(x, t)
    for key, W in reg.params.items():
        if key.startswith("W"):
            np.testing.assert_allclose(g1[key] - g0[key], 0.1 * W + 0.05 * np.sign(W), rtol=1e-10, atol=1e-12)
        else:
            np.testing.assert_array_equal(g1[key], g0[key])


def test_network_gradient_check_fails_without_frozen_dropout():
    """The reason for net.freeze_dropout(True): with fresh masks, the numerical gradient is noise."""
    net, x, t = small_net_and_data(dropout_ratio=0.5)
    grads = net.gradient(x, t)
    numerical = net.numerical_gradient(x, t, h=H)
    worst = max(rel_error(grads[k], numerical[k]) for k in net.params)
    assert worst > 0.5
    # Frozen, the same network passes.
    net.freeze_dropout(True)
    grads = net.gradient(x, t)
    numerical = net.numerical_gradient(x, t, h=H)
    assert max(rel_error(grads[k], numerical[k]) for k in net.params) < TOL
