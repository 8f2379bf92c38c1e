"""A script written for the book's code (ch06/overfit_dropout.py, overfit_weight_decay.py) runs on
lib with its own spellings, and gives what the explicit lib arguments give."""
import numpy as np
import pytest

from lib.data import load_mnist
from lib.net import MultiLayerNet
from lib.optimizers import SGD, Adam


@pytest.fixture(scope="module")
def mnist300():
    (x, t), (x_test, t_test) = load_mnist()
    return x[:300], t[:300], x_test[:500], t_test[:500]


def book_loop(network, x_train, t_train, x_test, t_test, epochs=3, batch_size=100, lr=0.01):
    """The book's Trainer, reduced to its steps (random mini-batches, SGD, accuracy per epoch)."""
    rng = np.random.default_rng(0)
    optimizer = SGD(lr=lr)
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size / batch_size, 1)
    accs = []
    for i in range(int(epochs * iter_per_epoch)):
        batch_mask = rng.choice(train_size, batch_size)
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        grads = network.gradient(x_batch, t_batch)
        optimizer.update(network.params, grads)
        loss = network.loss(x_batch, t_batch, train_flg=True)
        assert np.isfinite(loss)
        if i % iter_per_epoch == 0:
            accs.append((network.accuracy(x_train, t_train), network.accuracy(x_test, t_test)))
    return accs


def test_the_books_dropout_call_signature_is_the_books_dropout(mnist300):
    # exactly the book's call in ch06/overfit_dropout.py (MultiLayerNetExtend), keyword for keyword
    book = MultiLayerNet(input_size=784, hidden_size_list=[100, 100, 100, 100, 100, 100],
                         output_size=10, use_dropout=True, dropout_ration=0.2)
    ours = MultiLayerNet(784, [100] * 6, 10, dropout_ratio=0.2, dropout_mode="book")
    assert book.dropout_ratio == 0.2
    assert book_loop(book, *mnist300) == book_loop(ours, *mnist300)
    for key in ours.params:
        np.testing.assert_array_equal(book.params[key], ours.params[key])


def test_the_books_train_flg_means_train(mnist300):
    x, t = mnist300[0][:50], mnist300[1][:50]
    a = MultiLayerNet(784, [50] * 2, 10, use_dropout=True, dropout_ration=0.5, seed=3)
    b = MultiLayerNet(784, [50] * 2, 10, use_dropout=True, dropout_ration=0.5, seed=3)
    np.testing.assert_array_equal(a.predict(x, train_flg=True), b.predict(x, train=True))
    np.testing.assert_array_equal(a.predict(x, train_flg=False), b.predict(x))
    assert a.loss(x, t, train_flg=False) == b.loss(x, t)
    assert a.data_loss(x, t, train_flg=True) == b.data_loss(x, t, train=True)


def test_the_books_defaults_and_the_librarys_own():
    assert MultiLayerNet(4, [3], 2, use_dropout=True).dropout_ratio == 0.5           # book default
    assert MultiLayerNet(4, [3], 2, use_dropout=False, dropout_ration=0.3).dropout_ratio == 0.0
    inverted = MultiLayerNet(4, [3], 2, use_dropout=True, dropout_ration=0.3, dropout_mode="inverted")
    assert [layer.mode for layer in inverted.layers if hasattr(layer, "mode")] == ["inverted"]
    plain = MultiLayerNet(4, [3], 2, dropout_ratio=0.3)
    assert [layer.mode for layer in plain.layers if hasattr(layer, "mode")] == ["inverted"]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"use_batchnorm": True}, NotImplementedError, "batch normalization"),
    ({"use_dropout": True, "dropout_ratio": 0.2}, TypeError, "not both"),
    ({"use_dropout": "yes"}, TypeError, "use_dropout must be True or False"),
    ({"use_dropout": True, "dropout_ration": 1.5}, ValueError, "dropout_ratio must be in"),
])
def test_the_books_spellings_reject_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        MultiLayerNet(4, [3], 2, **kwargs)


def test_the_books_weight_decay_script(mnist300):
    # ch06/overfit_weight_decay.py builds MultiLayerNet with these keywords
    net = MultiLayerNet(input_size=784, hidden_size_list=[100, 100, 100, 100, 100, 100], output_size=10,
                        weight_decay_lambda=0.1)
    accs = book_loop(net, *mnist300)
    assert len(accs) == 3 and all(0 <= a <= 1 for pair in accs for a in pair)


def test_the_books_adam_is_ours_with_a_step_dependent_epsilon():
    """The book's Adam: lr_t = lr*sqrt(1-b2^k)/(1-b1^k); W -= lr_t*m/(sqrt(v)+1e-7).  That is our
    Adam with eps = 1e-7/sqrt(1-b2^k) at step k, as the docstring of lib.optimizers.Adam says."""
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((5, 4))
    grads = [rng.standard_normal((5, 4)) * 1e-4 for _ in range(20)]   # small: eps matters
    lr, b1, b2 = 0.001, 0.9, 0.999
    book, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for k, g in enumerate(grads, start=1):
        lr_t = lr * np.sqrt(1.0 - b2 ** k) / (1.0 - b1 ** k)
        m += (1 - b1) * (g - m)
        v += (1 - b2) * (g ** 2 - v)
        book -= lr_t * m / (np.sqrt(v) + 1e-7)
    ours_fixed, ours_matched = {"W": w0.copy()}, {"W": w0.copy()}
    fixed, matched = Adam(lr=lr, eps=1e-7), Adam(lr=lr)
    for k, g in enumerate(grads, start=1):
        fixed.update(ours_fixed, {"W": g})
        matched.eps = 1e-7 / np.sqrt(1 - b2 ** k)
        matched.update(ours_matched, {"W": g})
    np.testing.assert_allclose(ours_matched["W"], book, rtol=1e-12, atol=1e-15)
    assert not np.allclose(ours_fixed["W"], book, rtol=1e-9, atol=0)   # same eps, not the same run
