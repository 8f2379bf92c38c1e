"""lib/dropout_modes.py: the book's dropout trains exactly like inverted dropout with weights after
a dropout layer scaled by (1-p) and their learning rate by (1-p)**2 (checked by running both)."""
import numpy as np
import pytest

from lib import train
from lib.dropout_modes import ScaledSGD, after_dropout, book_changes, inverted_twin
from lib.net import MultiLayerNet


def test_after_dropout_names_every_weight_that_reads_a_dropout_layer():
    net = MultiLayerNet(5, [4, 4, 3], 2, dropout_ratio=0.3, seed=0)
    assert after_dropout(net) == ["W2", "W3", "W4"]
    assert after_dropout(MultiLayerNet(5, [4], 2, seed=0)) == []


def test_book_mode_and_its_inverted_twin_train_identically():
    rng = np.random.default_rng(0)
    x, t = rng.random((40, 12)), rng.integers(0, 3, 40)
    for p in (0.2, 0.5):
        book = MultiLayerNet(12, [16, 16, 16], 3, dropout_ratio=p, dropout_mode="book", dtype=np.float64, seed=4)
        twin, scale = inverted_twin(book, seed=4)
        assert scale == {k: pytest.approx((1 - p) ** 2) for k in ("W2", "W3", "W4")}
        np.testing.assert_allclose(twin.params["W2"], (1 - p) * book.params["W2"])
        np.testing.assert_array_equal(twin.params["W1"], book.params["W1"])
        train(book, x, t, epochs=30, batch_size=10, lr=0.1, seed=1, eval_every=30)
        train(twin, x, t, epochs=30, batch_size=10, optimizer=ScaledSGD(0.1, scale), seed=1, eval_every=30)
        np.testing.assert_allclose(twin.predict(x), book.predict(x), rtol=1e-10, atol=1e-10)
        # and with the plain learning rate it is a different training run
        plain_twin, _ = inverted_twin(MultiLayerNet(12, [16, 16, 16], 3, dropout_ratio=p, dropout_mode="book",
                                                    dtype=np.float64, seed=4), seed=4)
        train(plain_twin, x, t, epochs=30, batch_size=10, lr=0.1, seed=1, eval_every=30)
        assert not np.allclose(plain_twin.predict(x), book.predict(x), atol=1e-6)


def test_inverted_twin_rejects_an_inverted_net():
    with pytest.raises(ValueError, match="dropout_mode='book'"):
        inverted_twin(MultiLayerNet(5, [4], 2, dropout_ratio=0.2, seed=0), seed=0)
    with pytest.raises(ValueError):
        ScaledSGD(0.1, {"W2": -1})


def test_book_changes_one_at_a_time():
    p = 0.2
    build = lambda: MultiLayerNet(12, [16, 16], 3, dropout_ratio=p, dtype=np.float64, seed=3)
    book = MultiLayerNet(12, [16, 16], 3, dropout_ratio=p, dropout_mode="book", dtype=np.float64, seed=3)
    twin, twin_scale = inverted_twin(book, seed=3)
    both = build()
    assert book_changes(both) == twin_scale
    for key in twin.params:
        np.testing.assert_array_equal(both.params[key], twin.params[key])
    start_only = build()
    assert book_changes(start_only, lr=False) == {}
    np.testing.assert_allclose(start_only.params["W3"], (1 - p) * build().params["W3"])
    lr_only = build()
    assert book_changes(lr_only, start=False) == twin_scale
    np.testing.assert_array_equal(lr_only.params["W2"], build().params["W2"])
    with pytest.raises(ValueError, match="dropout_mode='inverted'"):
        book_changes(book)
