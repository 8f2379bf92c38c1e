"""Penalties on weights: put a price on large weights.  Applied to weight matrices only, never to
biases (as the book does): a bias shifts a unit, it does not make the function more wiggly.

    L2: value 0.5 * lam * sum(W**2)   gradient lam * W         (pull grows with the weight)
    L1: value lam * sum(|W|)          subgradient lam * sign(W) (same pull for every weight)
"""
import numpy as np

from .argcheck import check_number


class L2:
    """L2 penalty (weight decay): 0.5 * lam * sum(W**2); gradient lam * W."""

    def __init__(self, lam):
        self.lam = check_number("weight_decay_lambda", lam, 0)

    def value(self, W):
        return 0.5 * self.lam * float(np.sum(W * W))

    def grad(self, W):
        return self.lam * W


class L1:
    """L1 penalty: lam * sum(|W|); subgradient lam * sign(W) (0 at W = 0).

    Plain subgradient steps make weights jitter around 0 without reaching it.  `prox` is the
    proximal step that lands exactly on 0: after a gradient step on the data loss with learning
    rate lr, shrink every weight toward 0 by lr * lam and clip at 0 (soft thresholding).
    """

    def __init__(self, lam):
        self.lam = check_number("l1_lambda", lam, 0)

    def value(self, W):
        return self.lam * float(np.sum(np.abs(W)))

    def grad(self, W):
        return self.lam * np.sign(W)

    def prox(self, W, lr):
        """Soft threshold in place: W <- sign(W) * max(|W| - lr * lam, 0)."""
        np.copyto(W, soft_threshold(W, lr * self.lam))
        return W


def soft_threshold(w, threshold):
    """sign(w) * max(|w| - threshold, 0): the proximal step of threshold * |w|."""
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0)
