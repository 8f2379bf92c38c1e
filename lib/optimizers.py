"""Optimizers with the book's interface: optimizer.update(params, grads) changes params in place.

params and grads are dicts of arrays with the same keys ('W1', 'b1', ...).
`weight_decay` is *decoupled* decay (SGDW, AdamW): W <- W - lr * weight_decay * W, applied to
weights ('W...') only, outside the gradient.  For plain SGD that is the same as an L2 term in the
loss; for Adam it is not, because Adam rescales the gradient (and with it an L2 term) per weight.
"""
import inspect

import numpy as np

from .argcheck import check_choice, check_number


class SGD:
    """W <- W - lr * dW   (with weight_decay > 0: SGDW, decay decoupled from the gradient)."""

    def __init__(self, lr=0.01, weight_decay=0.0):
        self.lr = check_number("lr", lr, 0, low_open=True)
        self.weight_decay = check_number("weight_decay", weight_decay, 0)

    def update(self, params, grads):
        _decay(params, self.lr, self.weight_decay)
        for key in params:
            params[key] -= self.lr * grads[key]


class Momentum:
    """v <- momentum * v - lr * dW;  W <- W + v."""

    def __init__(self, lr=0.01, momentum=0.9, weight_decay=0.0):
        self.lr = check_number("lr", lr, 0, low_open=True)
        self.momentum = check_number("momentum", momentum, 0, 1, high_open=True)
        self.weight_decay = check_number("weight_decay", weight_decay, 0)
        self.v = {}

    def update(self, params, grads):
        _decay(params, self.lr, self.weight_decay)
        for key in params:
            v = self.v.setdefault(key, np.zeros_like(params[key]))
            v *= self.momentum
            v -= self.lr * grads[key]
            params[key] += v


class RMSProp:
    """h <- decay * h + (1 - decay) * dW**2;  W <- W - lr * dW / (sqrt(h) + eps)."""

    def __init__(self, lr=0.001, decay_rate=0.99, eps=1e-7, weight_decay=0.0):
        self.lr = check_number("lr", lr, 0, low_open=True)
        self.decay_rate = check_number("decay_rate", decay_rate, 0, 1, high_open=True)
        self.eps = check_number("eps", eps, 0, low_open=True)
        self.weight_decay = check_number("weight_decay", weight_decay, 0)
        self.h = {}

    def update(self, params, grads):
        _decay(params, self.lr, self.weight_decay)
        for key in params:
            h = self.h.setdefault(key, np.zeros_like(params[key]))
            h *= self.decay_rate
            h += (1 - self.decay_rate) * grads[key] ** 2
            params[key] -= self.lr * grads[key] / (np.sqrt(h) + self.eps)


class Adam:
    """m <- b1 m + (1-b1) dW;  v <- b2 v + (1-b2) dW**2;  W <- W - lr * m_hat / (sqrt(v_hat) + eps),
    with bias-corrected m_hat = m / (1 - b1**k), v_hat = v / (1 - b2**k) at step k.

    weight_decay > 0 makes it AdamW (decoupled): W <- W - lr * weight_decay * W, outside the
    adaptive step (which would otherwise rescale it per weight).

    The book's Adam (common/optimizer.py) folds the bias corrections into the step size and adds
    its epsilon 1e-7 to the uncorrected sqrt(v): W <- W - lr*sqrt(1-b2**k)/(1-b1**k) * m/(sqrt(v)+1e-7).
    That is this formula with eps = 1e-7/sqrt(1 - b2**k), an epsilon that shrinks from about 3e-6
    at step 1 to 1e-7, so book Adam runs are close to these but do not reproduce them bit for bit.
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        self.lr = check_number("lr", lr, 0, low_open=True)
        self.beta1 = check_number("beta1", beta1, 0, 1, high_open=True)
        self.beta2 = check_number("beta2", beta2, 0, 1, high_open=True)
        self.eps = check_number("eps", eps, 0, low_open=True)
        self.weight_decay = check_number("weight_decay", weight_decay, 0)
        self.k = 0
        self.m, self.v = {}, {}

    def update(self, params, grads):
        _decay(params, self.lr, self.weight_decay)
        self.k += 1
        c1, c2 = 1 - self.beta1 ** self.k, 1 - self.beta2 ** self.k
        for key in params:
            g = grads[key]
            m = self.m.setdefault(key, np.zeros_like(params[key]))
            v = self.v.setdefault(key, np.zeros_like(params[key]))
            m += (1 - self.beta1) * (g - m)
            v += (1 - self.beta2) * (g * g - v)
            params[key] -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


def AdamW(lr=0.001, weight_decay=0.01, **kwargs):
    """Adam with decoupled weight decay (Loshchilov and Hutter), scaled as in PyTorch.

    Here, as in PyTorch's torch.optim.AdamW, the decay step is lr * weight_decay * W: the decay is
    multiplied by Adam's step size lr.  In Loshchilov and Hutter's paper the decay is
    eta_t * lambda * W, multiplied by the schedule multiplier eta_t but not by the step size alpha,
    so their lambda is PyTorch's weight_decay * lr (with a constant schedule, eta_t = 1).
    """
    return Adam(lr=lr, weight_decay=weight_decay, **kwargs)


def SGDW(lr=0.01, weight_decay=0.01):
    """SGD with decoupled weight decay; for plain SGD equal to L2 with lambda = weight_decay."""
    return SGD(lr=lr, weight_decay=weight_decay)


def _decay(params, lr, weight_decay):
    """Decoupled decay of the weights (keys starting with 'W'), never the biases.

    Called before the gradient step, so it shrinks the weights the gradient was computed at (as
    Loshchilov and Hutter, and PyTorch, do); that makes SGD + weight_decay exactly SGD + L2."""
    if weight_decay:
        for key in params:
            if key.startswith("W"):
                params[key] *= 1 - lr * weight_decay


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSProp, "adam": Adam,
              "adamw": AdamW, "sgdw": SGDW}


def get_optimizer(name, **kwargs):
    """An optimizer by name: 'sgd', 'momentum', 'rmsprop', 'adam', 'adamw' or 'sgdw'."""
    name = check_choice("optimizer", name, tuple(OPTIMIZERS))
    cls = OPTIMIZERS[name]
    allowed = [p for p in inspect.signature(cls).parameters if p != "kwargs"]
    if name == "adamw":           # AdamW passes the rest on to Adam
        allowed += [p for p in inspect.signature(Adam).parameters if p not in allowed]
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise ValueError(f"optimizer {name!r} has no argument {', '.join(map(repr, unknown))}; "
                         f"allowed: {', '.join(allowed)}")
    return cls(**kwargs)
