"""Forward passes of the layers and the structure of MultiLayerNet (gradients: test_gradients.py)."""
import numpy as np
import pytest

from lib.layers import (Affine, Dropout, Relu, Sigmoid, SoftmaxWithLoss, cross_entropy_error,
                        log_softmax_loss, softmax)
from lib.net import MultiLayerNet


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_affine_forward_is_x_times_w_plus_b(rng):
    x, W, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    out = Affine(W, b).forward(x)
    expected = np.array([[sum(x[n, d] * W[d, h] for d in range(4)) + b[h] for h in range(2)] for n in range(3)])
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_relu_forward_and_backward_mask(rng):
    x = np.array([[-2.0, 0.0, 3.0], [1e-9, -1e-9, 5.0]])
    layer = Relu()
    np.testing.assert_array_equal(layer.forward(x), [[0, 0, 3], [1e-9, 0, 5]])
    dout = rng.standard_normal(x.shape)
    dx = layer.backward(dout)
    # Gradient flows only where the input was positive (0 counts as inactive).
    np.testing.assert_array_equal(dx, np.where(x > 0, dout, 0.0))


def test_sigmoid_values_symmetry_and_no_overflow():
    layer = Sigmoid()
    assert layer.forward(np.array([[0.0]]))[0, 0] == 0.5
    x = np.linspace(-8, 8, 17).reshape(1, -1)
    np.testing.assert_allclose(layer.forward(x) + layer.forward(-x), 1.0, rtol=1e-12)
    with np.errstate(over="raise", invalid="raise", divide="raise"):          # exp(1000) would overflow without the clip
        out = layer.forward(np.array([[-1000.0, 1000.0]]))
    assert np.all(np.isfinite(out)) and out[0, 0] < 1e-20 and out[0, 1] == 1.0


def test_softmax_rows_are_probabilities_and_shift_invariant(rng):
    s = 5 * rng.standard_normal((4, 6))
    p = softmax(s)
    assert np.all(p > 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(softmax(s + rng.standard_normal((4, 1)) * 100), p, rtol=1e-10)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        big = softmax(np.array([[1000.0, 0.0, -1000.0]]))
    np.testing.assert_allclose(big, [[1.0, 0.0, 0.0]], atol=1e-300)


def test_softmax_with_loss_equals_cross_entropy_for_moderate_scores(rng):
    s = 2 * rng.standard_normal((5, 3))
    t = np.array([0, 1, 2, 2, 1])
    loss = SoftmaxWithLoss().forward(s, t)
    manual = -np.mean(np.log(np.exp(s[np.arange(5), t]) / np.exp(s).sum(axis=1)))
    assert loss == pytest.approx(manual, rel=1e-12)
    # The book's version (log of softmax with a 1e-7 guard) agrees to about 1e-6 here.
    assert cross_entropy_error(softmax(s), t) == pytest.approx(manual, abs=1e-5)


def test_loss_stays_exact_for_confidently_wrong_scores():
    """A confidently wrong prediction: log(softmax) underflows to log(0) = -inf, which the book
    guards with +1e-7 (so its loss caps at ~16.1).  The log-softmax form gives the true loss."""
    s = np.array([[0.0, 800.0]])
    t = np.array([0])
    assert log_softmax_loss(s, t) == pytest.approx(800.0, rel=1e-12)
    assert cross_entropy_error(softmax(s), t) == pytest.approx(-np.log(1e-7), rel=1e-6)


# --- MultiLayerNet --------------------------------------------------------------------------

def layer_names(net):
    return [type(layer).__name__ for layer in net.layers]


def test_layer_sequence_and_param_shapes():
    net = MultiLayerNet(784, [100, 50], 10)
    assert layer_names(net) == ["Affine", "Relu", "Affine", "Relu", "Affine"]
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (784, 100), "b1": (100,), "W2": (100, 50), "b2": (50,), "W3": (50, 10), "b3": (10,)}
    assert isinstance(net.last_layer, SoftmaxWithLoss)
    drop = MultiLayerNet(784, [100, 50], 10, activation="sigmoid", dropout_ratio=0.5)
    assert layer_names(drop) == ["Affine", "Sigmoid", "Dropout", "Affine", "Sigmoid", "Dropout", "Affine"]
    assert layer_names(MultiLayerNet(784, [], 10)) == ["Affine"]   # no hidden layer: softmax regression


@pytest.mark.parametrize("init, expected", [("relu", np.sqrt(2 / 784)), ("he", np.sqrt(2 / 784)),
                                            ("sigmoid", np.sqrt(1 / 784)), ("xavier", np.sqrt(1 / 784)),
                                            (0.01, 0.01)])
def test_weight_init_std(init, expected):
    net = MultiLayerNet(784, [200], 10, weight_init_std=init, seed=1)
    W1 = net.params["W1"]
    # Sample std of 156,800 normal draws: relative standard error 1/sqrt(2n) ~ 0.2%; allow 1%.
    assert W1.std() == pytest.approx(expected, rel=0.01)
    assert abs(W1.mean()) < 5 * expected / np.sqrt(W1.size)
    assert np.all(net.params["b1"] == 0) and np.all(net.params["b2"] == 0)


def test_dtype_and_seed():
    a, b = MultiLayerNet(20, [8], 3, seed=5), MultiLayerNet(20, [8], 3, seed=5)
    assert all(p.dtype == np.float32 for p in a.params.values())
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert not np.array_equal(MultiLayerNet(20, [8], 3, seed=6).params["W1"], a.params["W1"])
    c = MultiLayerNet(20, [8], 3, seed=np.random.default_rng(5), dtype=np.float64)
    assert all(p.dtype == np.float64 for p in c.params.values())
    np.testing.assert_allclose(c.params["W1"], a.params["W1"], rtol=1e-6)   # a seed or its Generator
    x = np.random.default_rng(0).random((4, 20))
    assert a.predict(x).dtype == np.float32 and c.predict(x).dtype == np.float64


def test_layers_share_arrays_with_params(rng):
    """An optimizer updates net.params in place; the Affine layers must see the new values."""
    net = MultiLayerNet(5, [4], 3, seed=0, dtype=np.float64)
    x = rng.standard_normal((2, 5))
    before = net.predict(x)
    net.params["W1"] *= 2.0                       # in-place, as the optimizers do
    net.set_params({"b2": np.array([1.0, 2.0, 3.0])})
    assert net.layers[0].W is net.params["W1"] and net.layers[2].b is net.params["b2"]
    after = net.predict(x)
    assert not np.allclose(before, after)
    saved = net.copy_params()
    net.params["W2"] += 1.0
    assert not np.allclose(saved["W2"], net.params["W2"])   # copies, not views
    net.set_params(saved)
    np.testing.assert_array_equal(net.predict(x), after)


def test_predict_accuracy_and_one_hot_labels(rng):
    net = MultiLayerNet(5, [6], 4, seed=2, dtype=np.float64)
    x = rng.standard_normal((30, 5))
    scores = net.predict(x)
    assert scores.shape == (30, 4)
    t = scores.argmax(axis=1)
    t[:6] = (t[:6] + 1) % 4                        # exactly 6 of 30 wrong
    assert net.accuracy(x, t) == pytest.approx(24 / 30)
    one_hot = np.eye(4)[t]
    assert net.accuracy(x, one_hot) == net.accuracy(x, t)
    assert net.loss(x, one_hot) == net.loss(x, t)


def test_dropout_in_net_train_vs_eval(rng):
    net = MultiLayerNet(5, [50], 3, dropout_ratio=0.5, seed=0, dtype=np.float64)
    x = rng.standard_normal((4, 5))
    np.testing.assert_array_equal(net.predict(x), net.predict(x))            # eval: deterministic
    assert not np.allclose(net.predict(x, train=True), net.predict(x, train=True))  # fresh masks
    net.freeze_dropout(True)
    np.testing.assert_array_equal(net.predict(x, train=True), net.predict(x, train=True))
    drop = [layer for layer in net.layers if isinstance(layer, Dropout)]
    assert len(drop) == 1 and drop[0].frozen and drop[0].ratio == 0.5


def test_weights_excludes_biases():
    net = MultiLayerNet(7, [5, 4], 3)
    w = net.weights()
    assert w.shape == (7 * 5 + 5 * 4 + 4 * 3,)
    np.testing.assert_array_equal(w[:35], net.params["W1"].ravel())
