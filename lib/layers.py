"""Layers with forward/backward, in the style of the book's common/layers.py.

Shapes: N = batch size, D = input features, H = output features.
Every layer remembers what its backward pass needs during forward, in training mode (train=True,
the default).  With train=False (inference: accuracy, test loss) it skips that work, since no
backward pass follows; the outputs are the same.
"""
import numpy as np

from .argcheck import check_choice, check_number


class Affine:
    """out = x @ W + b.   x: (N, D), W: (D, H), b: (H,) -> out: (N, H)."""

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = None
        self.dW = self.db = None

    def forward(self, x, train=True):
        if train:
            self.x = x                  # for dW in backward
        out = x @ self.W
        out += self.b                   # in place: saves a second (N, H) array for the sum
        return out

    def backward(self, dout, need_dx=True):
        """dout: (N, H) -> dx: (N, D); stores dW = x.T @ dout and db = sum of dout over the batch.

        The first layer's dx would be a gradient with respect to the data, which nothing uses:
        the network passes need_dx=False there and saves about a sixth of a training step.
        """
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T if need_dx else None


class Relu:
    """out = max(0, x), elementwise.  The gradient passes where x > 0 and is 0 elsewhere."""

    def __init__(self):
        self.mask = None

    def forward(self, x, train=True):
        if train:
            self.mask = x > 0           # for backward; inference skips it
        return np.maximum(x, 0)

    def backward(self, dout):
        return dout * self.mask


class Sigmoid:
    """out = 1 / (1 + exp(-x)), elementwise; d out/dx = out * (1 - out)."""

    def __init__(self):
        self.out = None

    def forward(self, x, train=True):
        # exp of a large negative x would overflow; clip keeps it finite with no visible change.
        self.out = 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class Dropout:
    """Drop each unit with probability `ratio` during training.

    mode='inverted' (default, as PyTorch and Keras): in training, kept units are divided by
        (1 - ratio) so the expected activation is unchanged; at test time the layer is the identity.
    mode='book' (the book's variant): in training, kept units pass unscaled; at test time every
        unit is multiplied by (1 - ratio).  Same expected activation at this layer, but NOT the
        same training under SGD: a book-mode network is an inverted-mode one whose weights after
        each dropout layer start (1 - ratio) times smaller and learn with a (1 - ratio)**2 times
        smaller learning rate (lib/dropout_modes.py; chapter 3, section 4.3).

    forward(x, train): x (N, H) -> (N, H).  Masks come from `rng` (a numpy Generator or a seed).
    Set `frozen = True` to reuse the last mask on every call: a numerical gradient check needs
    the same function on every evaluation, and a fresh random mask makes it a different one.
    """

    def __init__(self, ratio=0.5, mode="inverted", rng=None):
        self.ratio = check_number("dropout ratio", ratio, 0, 1, high_open=True)
        self.mode = check_choice("dropout mode", mode, ("inverted", "book"))
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self.frozen = False
        self.mask = None   # (N, H) float: 1/(1-ratio) or 1 for kept units, 0 for dropped ones

    def forward(self, x, train=True):
        if not train:
            return x if self.mode == "inverted" else x * (1.0 - self.ratio)
        if not (self.frozen and self.mask is not None and self.mask.shape == x.shape):
            keep = self.rng.random(x.shape, dtype=np.float64) >= self.ratio
            scale = 1.0 / (1.0 - self.ratio) if self.mode == "inverted" else 1.0
            self.mask = (keep * scale).astype(x.dtype)
        return x * self.mask

    def backward(self, dout):
        """The same mask (and scale) that forward used: dropped units get no gradient."""
        return dout * self.mask


def softmax(x):
    """Row-wise softmax of scores x (N, C).  Subtracting each row's max avoids overflow in exp."""
    x = x - x.max(axis=1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy_error(y, t):
    """Mean cross-entropy of probabilities y (N, C) against class numbers t (N,)."""
    n = len(y)
    return float(-np.log(y[np.arange(n), t] + 1e-7).sum() / n)


def log_softmax_loss(scores, t):
    """Mean cross-entropy computed from scores (N, C) via log-softmax: stable even when a
    probability underflows to 0, where log(softmax) would give -inf."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=1))
    return float((log_z - shifted[np.arange(len(t)), t]).mean())


class SoftmaxWithLoss:
    """Softmax followed by cross-entropy.  forward(scores (N, C), t (N,)) -> mean loss (a float);
    backward() -> d loss / d scores = (softmax(scores) - onehot(t)) / N, shape (N, C)."""

    def __init__(self):
        self.y = self.t = None

    def forward(self, scores, t):
        self.t = t
        self.y = softmax(scores)
        return log_softmax_loss(scores, t)

    def backward(self, dout=1.0):
        dx = self.y.copy()
        dx[np.arange(len(self.t)), self.t] -= 1
        return dx * (dout / len(self.t))
