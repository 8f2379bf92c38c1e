"""MultiLayerNet: a fully connected network with the book's interface (params, predict, loss,
gradient, accuracy, numerical_gradient) and the argument names of its MultiLayerNet and
MultiLayerNetExtend.  What a book script (ch06/overfit_*.py) needs to know:
  - the book's spellings work as they are: use_dropout=True, dropout_ration=0.2 (the book's typo),
    predict(x, train_flg=True), loss(x, t, train_flg=True); with use_dropout the dropout mode is
    the book's own (scale by 1 - ratio at test time), so the book's numbers come back; this
    library's own default is inverted dropout (chapter 3 shows the two do not train alike);
  - not here: batch normalization (use_batchnorm=True raises) and the book's Trainer class
    (use lib.train.train, or the book's loop: grads = net.gradient(x, t); optimizer.update(...));
  - the book's Adam differs slightly, see lib.optimizers.Adam.

    input -> [Affine -> activation -> (Dropout)] x len(hidden_size_list) -> Affine -> SoftmaxWithLoss

loss = data loss (cross-entropy) + penalty (L2 and/or L1 on the weights W1, W2, ..., not biases).
"""
import numpy as np

from .argcheck import check_bool, check_choice, check_inputs, check_int, check_labels, check_number
from .layers import Affine, Dropout, Relu, Sigmoid, SoftmaxWithLoss, log_softmax_loss
from .penalties import L1, L2

ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}


class MultiLayerNet:
    """A fully connected classifier.

    input_size: features per example (784 for MNIST); hidden_size_list: e.g. [100] * 6;
    output_size: number of classes.  activation: 'relu' or 'sigmoid'.
    weight_init_std: a number, or 'relu'/'he' (std sqrt(2/n_in)), or 'sigmoid'/'xavier' (sqrt(1/n_in)).
    weight_decay_lambda: L2 strength; l1_lambda: L1 strength; l1_method: 'subgradient' (add
    lam*sign(W) to the gradient) or 'proximal' (soft-threshold after each step, see penalties.L1).
    dropout_ratio: 0 for none; dropout_mode: 'inverted' or 'book'.
    seed: int or numpy Generator, used for the initial weights and the dropout masks.
    dtype: numpy.float32 (fast, default) or numpy.float64 (for gradient checks).
    The book's MultiLayerNetExtend spellings: use_dropout (bool) with dropout_ration (default 0.5,
    as in the book) means dropout_ratio, and then dropout_mode defaults to 'book'.
    """

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="relu", weight_decay_lambda=0.0, l1_lambda=0.0, dropout_ratio=0.0,
                 seed=0, dtype=np.float32, dropout_mode=None, l1_method="subgradient",
                 use_dropout=None, dropout_ration=None, use_batchnorm=False):
        dropout_ratio, dropout_mode = _book_dropout_args(dropout_ratio, dropout_mode, use_dropout,
                                                         dropout_ration, use_batchnorm)
        self.input_size = check_int("input_size", input_size, 1)
        self.hidden_size_list = [check_int(f"hidden_size_list[{i}]", h, 1)
                                 for i, h in enumerate(_as_list(hidden_size_list))]
        self.output_size = check_int("output_size", output_size, 2)
        self.activation = check_choice("activation", activation, tuple(ACTIVATIONS))
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}")
        self.l2 = L2(weight_decay_lambda)
        self.l1 = L1(l1_lambda)
        self.weight_decay_lambda, self.l1_lambda = self.l2.lam, self.l1.lam
        self.l1_method = check_choice("l1_method", l1_method, ("subgradient", "proximal"))
        self.dropout_ratio = check_number("dropout_ratio", dropout_ratio, 0, 1, high_open=True)
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(check_int("seed", seed, 0))

        sizes = [self.input_size] + self.hidden_size_list + [self.output_size]
        self.n_layers = len(sizes) - 1
        self.params = {}
        for i in range(1, len(sizes)):
            std = _init_std(weight_init_std, sizes[i - 1])
            self.params[f"W{i}"] = (std * self.rng.standard_normal((sizes[i - 1], sizes[i]))).astype(self.dtype)
            self.params[f"b{i}"] = np.zeros(sizes[i], dtype=self.dtype)

        # The layers, in order.  Affine layers share their W and b arrays with self.params.
        self.layers = []
        for i in range(1, self.n_layers + 1):
            self.layers.append(Affine(self.params[f"W{i}"], self.params[f"b{i}"]))
            if i < self.n_layers:
                self.layers.append(ACTIVATIONS[self.activation]())
                if self.dropout_ratio > 0:
                    self.layers.append(Dropout(self.dropout_ratio, dropout_mode, self.rng))
        self.last_layer = SoftmaxWithLoss()

    # --- forward -----------------------------------------------------------------------------
    def predict(self, x, train=False, train_flg=None):
        """Scores (N, output_size) before softmax.  train=True draws dropout masks.
        train_flg: the book's name for train."""
        return self._predict(check_inputs("x", x, self.input_size, self.dtype), _train_mode(train, train_flg))

    def _predict(self, x, train=False):
        """predict() without the argument checks, for loops that checked their data once."""
        x = x.astype(self.dtype, copy=False)
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def penalty(self):
        """The regularization term alone: L2 + L1 over the weight matrices (biases excluded)."""
        total = 0.0
        for i in range(1, self.n_layers + 1):
            W = self.params[f"W{i}"]
            total += self.l2.value(W) + self.l1.value(W)
        return total

    def data_loss(self, x, t, train=False, train_flg=None):
        """Cross-entropy of the predictions, without the penalty."""
        x, t = self._check(x, t)
        return log_softmax_loss(self._predict(x, _train_mode(train, train_flg)), t)

    def loss(self, x, t, train=False, train_flg=None):
        """Data loss + penalty (the quantity that training minimizes).  train_flg: the book's name."""
        return self.data_loss(x, t, train, train_flg) + self.penalty()

    def accuracy(self, x, t):
        """Share of examples whose highest score is the right class (eval mode, no dropout)."""
        x, t = self._check(x, t)
        return float(np.mean(self._predict(x).argmax(axis=1) == t))

    # --- backward ----------------------------------------------------------------------------
    def gradient(self, x, t):
        """Backprop: a dict with the same keys as params, d loss / d param (penalty included).

        The forward pass runs in training mode (dropout on); self.last_data_loss keeps its loss.
        """
        x, t = self._check(x, t)
        return self._gradient(x, t)

    def _gradient(self, x, t):
        """gradient() without the argument checks, for the training loop's inner step."""
        self.last_data_loss = self.last_layer.forward(self._predict(x, train=True), t)
        dout = self.last_layer.backward()
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        self.layers[0].backward(dout, need_dx=False)   # d loss / d x is not needed
        grads = {}
        for i, layer in enumerate(layer for layer in self.layers if isinstance(layer, Affine)):
            W = self.params[f"W{i + 1}"]
            grads[f"W{i + 1}"] = layer.dW
            if self.l2.lam:
                grads[f"W{i + 1}"] = grads[f"W{i + 1}"] + self.l2.grad(W)   # <- the L2 line
            if self.l1.lam and self.l1_method == "subgradient":
                grads[f"W{i + 1}"] = grads[f"W{i + 1}"] + self.l1.grad(W)   # <- the L1 line
            grads[f"b{i + 1}"] = layer.db
        return grads

    def after_step(self, lr):
        """Called by the training loop after each optimizer step: the proximal L1 step, if chosen."""
        if self.l1.lam and self.l1_method == "proximal":
            for i in range(1, self.n_layers + 1):
                self.l1.prox(self.params[f"W{i}"], lr)

    def numerical_gradient(self, x, t, h=1e-5):
        """Central differences (loss(p + h) - loss(p - h)) / 2h for every parameter; slow, for checks.

        Use dtype=float64 and freeze_dropout(True) first, so every loss evaluation sees one function.
        """
        x, t = self._check(x, t)
        grads = {}
        for key, p in self.params.items():
            g = np.zeros_like(p, dtype=np.float64)
            it = np.nditer(p, flags=["multi_index"])
            for _ in it:
                i = it.multi_index
                old = p[i]
                p[i] = old + h
                up = self.loss(x, t, train=True)
                p[i] = old - h
                down = self.loss(x, t, train=True)
                p[i] = old
                g[i] = (up - down) / (2 * h)
            grads[key] = g
        return grads

    # --- helpers -----------------------------------------------------------------------------
    def freeze_dropout(self, frozen=True):
        """Reuse each Dropout layer's last mask (True) or draw fresh ones (False)."""
        for layer in self.layers:
            if isinstance(layer, Dropout):
                layer.frozen = frozen

    def weights(self):
        """All weight matrices W1, W2, ... flattened into one 1-D array (for histograms)."""
        return np.concatenate([self.params[f"W{i}"].ravel() for i in range(1, self.n_layers + 1)])

    def copy_params(self):
        return {k: v.copy() for k, v in self.params.items()}

    def set_params(self, params):
        """Copy values into the existing arrays (the layers keep pointing at them)."""
        for k, v in params.items():
            self.params[k][...] = v

    def _check(self, x, t):
        check_inputs("x", x, self.input_size, self.dtype)
        return x, check_labels("t", t, len(x), self.output_size)


def _book_dropout_args(dropout_ratio, dropout_mode, use_dropout, dropout_ration, use_batchnorm):
    """(dropout_ratio, dropout_mode) from this library's arguments or the book's spellings."""
    if use_batchnorm:
        raise NotImplementedError("use_batchnorm=True: batch normalization is not part of this library "
                                  "(the series is about overfitting); allowed: use_batchnorm=False")
    if use_dropout is None and dropout_ration is None:
        return dropout_ratio, dropout_mode or "inverted"
    if dropout_ratio:
        raise TypeError("give either dropout_ratio (this library) or use_dropout/dropout_ration (the "
                        f"book's spelling), not both; got dropout_ratio={dropout_ratio!r}, "
                        f"use_dropout={use_dropout!r}, dropout_ration={dropout_ration!r}")
    if not isinstance(use_dropout, (bool, type(None))):
        raise TypeError(f"use_dropout must be True or False, got {use_dropout!r}")
    if not use_dropout:       # the book ignores dropout_ration unless use_dropout is True
        return 0.0, dropout_mode or "inverted"
    return (0.5 if dropout_ration is None else dropout_ration), dropout_mode or "book"


def _train_mode(train, train_flg):
    """Training mode from train or the book's train_flg (which wins when given): True or False only,
    since a string such as "False" would switch dropout on."""
    return check_bool("train", train) if train_flg is None else check_bool("train_flg", train_flg)


def _as_list(sizes):
    if isinstance(sizes, (list, tuple)):
        return list(sizes)
    raise TypeError(f"hidden_size_list must be a list of layer widths such as [100, 100], got {sizes!r}")


def _init_std(weight_init_std, n_in):
    if isinstance(weight_init_std, str):
        kind = check_choice("weight_init_std", weight_init_std, ("relu", "he", "sigmoid", "xavier"))
        return np.sqrt(2.0 / n_in) if kind in ("relu", "he") else np.sqrt(1.0 / n_in)
    return check_number("weight_init_std", weight_init_std, 0, low_open=True)
