"""Dropout: the statistics it promises, its two modes, and reproducible masks.

Statistical checks use a bound of K standard deviations computed from the binomial variance, so
they neither pass by luck with a loose tolerance nor fail by bad luck (a 6-sigma miss has
probability ~2e-9; the draws are seeded anyway, so each test is deterministic).
"""
import numpy as np
import pytest

from lib.layers import Dropout
from lib.net import MultiLayerNet
from lib.train import train

K = 6   # sigmas


@pytest.mark.parametrize("ratio", [0.1, 0.5, 0.8])
def test_kept_fraction_is_one_minus_ratio(ratio):
    n = 400 * 500
    layer = Dropout(ratio, rng=1)
    out = layer.forward(np.ones((400, 500)), train=True)
    kept = np.count_nonzero(out) / n
    sigma = np.sqrt(ratio * (1 - ratio) / n)           # std of a binomial proportion
    assert abs(kept - (1 - ratio)) < K * sigma
    # ...and not trivially: another ratio would be far outside the bound.
    assert abs(kept - (1 - ratio - 0.05)) > K * sigma


def test_ratio_zero_keeps_everything():
    x = np.random.default_rng(0).standard_normal((20, 30))
    np.testing.assert_array_equal(Dropout(0.0, rng=0).forward(x, train=True), x)


@pytest.mark.parametrize("ratio", [0.2, 0.5])
def test_inverted_dropout_keeps_the_mean(ratio):
    """Kept units are scaled by 1/(1-ratio): E[out] = x, so the mean activation is unchanged."""
    rng = np.random.default_rng(3)
    x = rng.random((500, 400)) + 0.5                   # positive activations, like after a ReLU
    out = Dropout(ratio, mode="inverted", rng=4).forward(x, train=True)
    # Var(out_i) = x_i**2 * ratio / (1 - ratio), independent units:
    sigma = np.sqrt(np.sum(x ** 2) * ratio / (1 - ratio)) / x.size
    assert abs(out.mean() - x.mean()) < K * sigma
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / (1 - ratio), rtol=1e-6)


@pytest.mark.parametrize("mode", ["inverted", "book"])
def test_eval_mode(mode):
    x = np.random.default_rng(0).standard_normal((10, 20))
    layer = Dropout(0.3, mode=mode, rng=0)
    out = layer.forward(x, train=False)
    if mode == "inverted":
        assert out is x                                      # the identity, no copy, no work
    else:
        np.testing.assert_allclose(out, 0.7 * x, rtol=1e-15)  # book: scale at test time instead
    assert layer.mask is None                                # eval mode draws no mask


def test_book_variant_equals_inverted_in_expectation():
    """Average the training-mode output of one input row over many masks (M rows):
    book:     E[train output] = (1 - ratio) * x = its test-time output
    inverted: E[train output] = x              = its test-time output
    """
    ratio, m = 0.4, 20000
    x0 = np.linspace(0.5, 2.0, 16)
    x = np.tile(x0, (m, 1))
    book = Dropout(ratio, mode="book", rng=10)
    inv = Dropout(ratio, mode="inverted", rng=11)
    sigma_keep = np.sqrt(ratio * (1 - ratio) / m)            # std of the kept fraction per column
    book_mean = book.forward(x, train=True).mean(axis=0)
    book_test = book.forward(x0[None, :], train=False)[0]
    assert np.all(np.abs(book_mean * 1 - book_test) < K * sigma_keep * x0)
    inv_mean = inv.forward(x, train=True).mean(axis=0)
    assert np.all(np.abs(inv_mean - x0) < K * sigma_keep * x0 / (1 - ratio))
    # The two test-time outputs differ by exactly the factor (1 - ratio), as do the training means.
    np.testing.assert_allclose(book_test, (1 - ratio) * inv.forward(x0[None, :], train=False)[0])


def test_masks_are_reproducible():
    x = np.ones((50, 60))
    a = Dropout(0.5, rng=123).forward(x, train=True)
    b = Dropout(0.5, rng=123).forward(x, train=True)
    np.testing.assert_array_equal(a, b)
    c = Dropout(0.5, rng=np.random.default_rng(123)).forward(x, train=True)
    np.testing.assert_array_equal(a, c)                      # a seed and a Generator agree
    assert not np.array_equal(a, Dropout(0.5, rng=124).forward(x, train=True))
    # One layer draws a new mask on every training-mode call.
    layer = Dropout(0.5, rng=123)
    first = layer.forward(x, train=True)
    assert not np.array_equal(first, layer.forward(x, train=True))


def test_shared_generator_gives_reproducible_sequences():
    def masks(gen):
        layers = [Dropout(0.5, rng=gen), Dropout(0.5, rng=gen)]
        return [layer.forward(np.ones((8, 9)), train=True) for layer in layers for _ in range(2)]

    for a, b in zip(masks(np.random.default_rng(9)), masks(np.random.default_rng(9))):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mode, scale", [("inverted", 1 / (1 - 0.25)), ("book", 1.0)])
def test_backward_uses_the_forward_mask(mode, scale):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((30, 40))
    layer = Dropout(0.25, mode=mode, rng=6)
    out = layer.forward(x, train=True)
    dout = rng.standard_normal(x.shape)
    dx = layer.backward(dout)
    dropped = out == 0
    assert dropped.any() and not dropped.all()
    assert np.all(dx[dropped] == 0)                          # dropped units get no gradient
    np.testing.assert_allclose(dx[~dropped], scale * dout[~dropped], rtol=1e-12)
    # backward does not draw a new mask: calling it again gives the same result.
    np.testing.assert_array_equal(layer.backward(dout), dx)


def test_frozen_mask_is_reused_until_the_shape_changes():
    layer = Dropout(0.5, rng=0)
    x = np.ones((6, 10))
    first = layer.forward(x, train=True)
    layer.frozen = True
    np.testing.assert_array_equal(layer.forward(2 * x, train=True), 2 * first)
    assert layer.forward(np.ones((3, 10)), train=True).shape == (3, 10)   # new shape, new mask


def test_dropout_in_training_is_reproducible_and_seed_dependent():
    """A whole training run with dropout depends only on the seeds: the net's seed sets the
    initial weights and the masks, train's seed the mini-batch order."""
    rng = np.random.default_rng(0)
    x = rng.random((60, 12)).astype(np.float32)
    t = rng.integers(0, 3, 60)

    def run(net_seed):
        net = MultiLayerNet(12, [20], 3, dropout_ratio=0.5, seed=net_seed)
        train(net, x, t, epochs=3, batch_size=20, lr=0.1, seed=0)
        return net.params["W1"]

    np.testing.assert_array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))
