"""Figures for lib/theory.py (every function returns a matplotlib Figure, see plots.py).

    prior_figure(lam, n_train)             the Gaussian and Laplace priors, and -log prior / n beside the penalties
    early_stopping_l2_figure(x, y, lr, taus)  what gradient descent and ridge keep per direction; their distance
"""
import numpy as np

from .argcheck import check_int, check_number
from .geometry import L1_COLOR, L2_COLOR
from .plots import new_figure, with_fonts
from .theory import (early_stopping_lambda, gd_keep, gd_weights, neg_log_prior, prior_density, prior_scale,
                     ridge_keep, ridge_weights)


@with_fonts
def prior_figure(lam=0.1, n_train=300, w_max=0.6):
    """Left: the prior densities of one weight that L2 and L1 with strength lam on a mean loss over
    n_train examples stand for.  Right: -log prior / n_train, shifted to 0 at w = 0, drawn over
    the penalties 0.5*lam*w^2 and lam*|w| (dashed): the curves coincide."""
    lam = check_number("lam", lam, 0, low_open=True)
    n_train = check_int("n_train", n_train, 1)
    w_max = check_number("w_max", w_max, 0, low_open=True)
    w = np.linspace(-w_max, w_max, 601)
    fig, (ax1, ax2) = new_figure(12, 4.6, ncols=2)
    s2, b = prior_scale("l2", lam, n_train), prior_scale("l1", lam, n_train)
    ax1.plot(w, prior_density(w, "l2", lam, n_train), color=L2_COLOR, lw=3,
             label=f"Gaussian, sd {np.sqrt(s2):.3g}  (L2)")
    ax1.plot(w, prior_density(w, "l1", lam, n_train), color=L1_COLOR, lw=3, label=f"Laplace, scale {b:.3g}  (L1)")
    ax1.set(xlabel="weight w", ylabel="prior density p(w)",
            title=f"The priors behind λ = {lam:g} on a mean over {n_train} examples")
    ax1.legend(loc="upper right")
    for pen, color, penalty, name in (("l2", L2_COLOR, 0.5 * lam * w ** 2, r"$\lambda w^2 / 2$"),
                                      ("l1", L1_COLOR, lam * np.abs(w), r"$\lambda|w|$")):
        nlp = np.array([neg_log_prior([v], pen, lam, n_train) for v in w]) - neg_log_prior([0.0], pen, lam, n_train)
        ax2.plot(w, nlp / n_train, color=color, lw=5, alpha=0.45, label=f"−log prior / n  ({pen.upper()})")
        ax2.plot(w, penalty, color="black", lw=1.5, ls="--", label=f"penalty {name}")
    ax2.set(xlabel="weight w", ylabel="price of the weight",
            title="−log prior / n (shifted to 0 at w = 0) = the penalty")
    ax2.legend(loc="upper center", fontsize=10)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    return fig


@with_fonts
def early_stopping_l2_figure(x, y, lr, taus, shown=(10, 100, 1000)):
    """Left: the share of the least-squares solution kept along each direction, against its
    curvature h (eigenvalue of x^T x / N), by gradient descent after tau steps (solid) and by
    ridge with lam = 1/(lr*tau) (dashed), for the taus in `shown`.  Right: the relative distance
    |w_gd - w_ridge| / |w_ridge| against tau, with |w_gd - w_least_squares| / |w_least_squares|."""
    lr = check_number("lr", lr, 0, low_open=True)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    h = np.linalg.eigvalsh(x.T @ x / len(x))
    grid = np.geomspace(h.min() / 3, h.max(), 300)
    fig, (ax1, ax2) = new_figure(13, 4.8, ncols=2)
    colors = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"]
    for color, tau in zip(colors, shown):
        lam = early_stopping_lambda(lr, tau)
        ax1.plot(grid, gd_keep(grid, lr, tau), color=color, lw=2.5, label=f"GD, τ = {tau}")
        ax1.plot(grid, ridge_keep(grid, lam), color=color, lw=2, ls="--", label=f"ridge, λ = 1/(ητ) = {lam:.2g}")
    ax1.plot(h, np.full_like(h, -0.04), "|", color="black", ms=12, label="the problem's curvatures")
    ax1.set(xscale="log", xlabel="curvature h of a direction (log scale)", ylabel="share of the solution kept",
            title=f"Stopping after τ steps (η = {lr:g}) ≈ ridge with λ = 1/(ητ)", ylim=(-0.08, 1.05))
    ax1.legend(loc="upper left", fontsize=9)
    w_ls = np.linalg.lstsq(x, y, rcond=None)[0]
    taus = [check_int("tau", t, 1) for t in taus]
    d_ridge, d_ls = [], []
    for tau in taus:
        wg, wr = gd_weights(x, y, lr, tau), ridge_weights(x, y, early_stopping_lambda(lr, tau))
        d_ridge.append(np.linalg.norm(wg - wr) / np.linalg.norm(wr))
        d_ls.append(np.linalg.norm(wg - w_ls) / np.linalg.norm(w_ls))
    ax2.plot(taus, d_ridge, "o-", color="#d62728", lw=2.5, label="|w_GD − w_ridge| / |w_ridge|")
    ax2.plot(taus, d_ls, "s:", color="#7f7f7f", lw=2, label="|w_GD − w_least squares| / |w_least squares|")
    ax2.set(xscale="log", xlabel="steps τ (log scale)", ylabel="relative distance", ylim=(0, 1.05),
            title="How far apart the weight vectors are")
    ax2.legend(loc="upper right", fontsize=10)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    return fig
