"""The book's dropout is inverted dropout with other weights and other learning rates.

With a dropout layer before the affine layer k, the book's training-time forward pass is

    W_k · (x ⊙ m)  =  ((1-p) W_k) · (x ⊙ m / (1-p)),

the inverted layer's forward pass with weights W'_k = (1-p) W_k.  Because dL/dW_k = (1-p) dL/dW'_k,
an SGD step of size lr on W_k is a step of size lr (1-p)**2 on W'_k.  So a book-mode network
trained with SGD is, step for step, an inverted-mode network whose weight matrices after a
dropout layer (W2, W3, ..., the last one included) start (1-p) times smaller and move with a
learning rate (1-p)**2 times smaller.  Biases and W1 (it reads the pixels, no dropout) keep both.

    twin, lr_scale = inverted_twin(book_net)               # same masks, if built with the same seed
    train(book_net, x, t, lr=0.1, seed=0)
    train(twin, x, t, optimizer=ScaledSGD(0.1, lr_scale), seed=0)
    # -> the same predictions, up to floating-point rounding

`book_changes(net, start=..., lr=...)` applies only one of the two changes to an inverted-mode
network, to measure which of them costs the book's mode more.
"""
import numpy as np

from .argcheck import check_number
from .layers import Affine, Dropout
from .net import MultiLayerNet


class ScaledSGD:
    """SGD with one learning rate per parameter: W <- W - lr * scale[key] * dW.

    scale: {parameter name: factor}, e.g. {"W2": 0.64}; parameters not named get factor 1."""

    def __init__(self, lr=0.01, scale=None):
        self.lr = check_number("lr", lr, 0, low_open=True)
        self.scale = {key: check_number(f"scale[{key!r}]", value, 0) for key, value in (scale or {}).items()}

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * self.scale.get(key, 1.0) * grads[key]


def after_dropout(net):
    """Names of the weight matrices that read a Dropout layer's output ('W2', ..., in order)."""
    names, dropped = [], False
    affine = 0
    for layer in net.layers:
        if isinstance(layer, Affine):
            affine += 1
            if dropped:
                names.append(f"W{affine}")
            dropped = False
        elif isinstance(layer, Dropout):
            dropped = True
    return names


def inverted_twin(book_net, seed):
    """The inverted-mode network that trains exactly like the book-mode `book_net` under SGD.

    Returns (twin, lr_scale): `twin` is a new MultiLayerNet with the same sizes, dtype and dropout
    ratio p in mode 'inverted', built with `seed` (give the seed `book_net` was built with, so that
    it draws the same masks), holding book_net's parameters with every weight matrix after a
    dropout layer multiplied by (1-p); lr_scale = {that matrix's name: (1-p)**2}, for ScaledSGD.
    """
    p = book_net.dropout_ratio
    if p == 0 or not all(layer.mode == "book" for layer in book_net.layers if isinstance(layer, Dropout)):
        raise ValueError("book_net must be a MultiLayerNet with dropout_ratio > 0 and dropout_mode='book'")
    twin = MultiLayerNet(book_net.input_size, book_net.hidden_size_list, book_net.output_size,
                         activation=book_net.activation, dropout_ratio=p, dropout_mode="inverted",
                         dtype=book_net.dtype, seed=seed)
    names = after_dropout(book_net)
    twin.set_params({k: v * (1 - p) if k in names else v for k, v in book_net.params.items()})
    return twin, {name: (1 - p) ** 2 for name in names}


def book_changes(net, start=True, lr=True):
    """Apply the book's mode's two changes, or one of them, to an inverted-mode `net` (in place).

    start: multiply every weight matrix after a dropout layer by (1-p) (the book's smaller start).
    lr: return learning-rate factors (1-p)**2 for those matrices, for ScaledSGD (the book's smaller
        steps); with lr=False the factors are {} (plain SGD).
    With both, `net` trained with ScaledSGD(lr, factors) is inverted_twin of the book-mode network
    built with the same seed.  Returns the factors: {name: factor}.
    """
    p = net.dropout_ratio
    if p == 0 or not all(layer.mode == "inverted" for layer in net.layers if isinstance(layer, Dropout)):
        raise ValueError("net must be a MultiLayerNet with dropout_ratio > 0 and dropout_mode='inverted'")
    names = after_dropout(net)
    if start:
        net.set_params({k: v * (1 - p) if k in names else v for k, v in net.params.items()})
    return {name: (1 - p) ** 2 for name in names} if lr else {}
