"""Penalties on weights: put a price on large weights.  Applied to weight matrices only, never to
biases (as the book does): a bias shifts a unit, it does not make the function more wiggly.

    L2: value 0.5 * lam * sum(W**2)   gradient lam * W         (pull grows with the weight)
    L1: value lam * sum(|W|)          subgradient lam * sign(W) (same pull for every weight)

A lambda alone says little: decay_budget(lr, lam, steps) = lr * lam * steps is what transfers
between runs with other learning rates or lengths (l2_shrink_factor gives (1 - lr*lam)**steps).
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


# --- what a lambda means: it only makes sense together with the learning rate and the steps ------
def decay_budget(lr, lam, steps):
    """lr * lam * steps: how hard the penalty alone pulls over a whole run.

    Under plain SGD one L2 step multiplies every weight by (1 - lr*lam) before the data gradient
    acts, and one L1 proximal step moves every weight toward 0 by lr*lam.  Over `steps` steps that
    adds up to about lr*lam*steps either way, so the penalty pulls about as hard in two runs with
    the same budget, whatever their separate learning rates, lambdas and lengths:
        lr 0.01, lam 0.1, 600 steps  and  lr 0.1, lam 0.01, 600 steps  both have budget 0.6.
    (The data gradient also depends on lr, so the trained nets still differ: a guide, not a law.)
    """
    lr = check_number("lr", lr, 0)
    lam = check_number("lam", lam, 0)
    steps = check_number("steps", steps, 0)
    return lr * lam * steps


def l2_shrink_factor(lr, lam, steps):
    """(1 - lr*lam)**steps, about exp(-lr*lam*steps): what the L2 penalty alone would leave of a
    weight after `steps` SGD steps (the data gradient pushes back, so real weights shrink less)."""
    decay_budget(lr, lam, steps)   # checks the arguments
    if lr * lam >= 1:
        raise ValueError(f"lr * lam = {lr * lam:g} >= 1: one step would flip or zero every weight; "
                         "allowed: lr * lam < 1 (in practice far below it)")
    return float((1 - lr * lam) ** steps)
