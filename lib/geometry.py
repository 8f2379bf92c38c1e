"""The geometry of L1 and L2 penalties, on problems small enough to draw.

    Quadratic2D(A, c)        E(w) = 1/2 (w - c)^T A (w - c): a two-weight loss with minimum at c
    l2_solution(q, lam)      argmin E(w) + lam/2 |w|^2   (closed form)
    l1_solution(q, lam)      argmin E(w) + lam |w|_1     (proximal gradient, to convergence)
    descent_path(q, ...)     the points gradient descent visits under a penalty
    shrink_path(...)         one weight under the penalty alone: how L2, L1 and prox-L1 reach 0
    penalty_pull_figure()    each penalty and the size of its pull toward 0, against the weight
    constraint_figure(q)     loss contours with the L1 diamond and the L2 disc that touch them
    shrink_figure(paths)     the curves of shrink_path over the steps

Every figure function returns a matplotlib Figure (see plots.py).
"""
import numpy as np

from .argcheck import check_choice, check_int, check_number
from .penalties import soft_threshold
from .plots import new_figure, with_fonts

L1_COLOR, L2_COLOR, PROX_COLOR, LOSS_COLOR = "#d62728", "#1f77b4", "#2ca02c", "#7f7f7f"
SUB_COLOR = "#ff7f0e"     # L1 subgradient steps


class Quadratic2D:
    """E(w) = 1/2 (w - c)^T A (w - c) for two weights w = (w1, w2).

    A: (2, 2) symmetric positive definite (the curvature; off-diagonal entries tilt the ellipses);
    c: (2,) the unpenalized optimum.  The default is the chapter's example: tilted ellipses
    around c = (1.5, 1.0).
    """

    def __init__(self, A=((2.0, 1.0), (1.0, 1.0)), c=(1.5, 1.0)):
        A = np.asarray(A, dtype=np.float64)
        c = np.asarray(c, dtype=np.float64)
        if A.shape != (2, 2) or not np.allclose(A, A.T) or not np.all(np.isfinite(A)):
            raise ValueError(f"A must be a symmetric 2x2 matrix of finite numbers, got {A.tolist()}")
        if np.linalg.eigvalsh(A).min() <= 0:
            raise ValueError(f"A must be positive definite (both eigenvalues > 0), got eigenvalues "
                             f"{np.linalg.eigvalsh(A).round(4).tolist()}")
        if c.shape != (2,) or not np.all(np.isfinite(c)):
            raise ValueError(f"c must be two finite numbers, got {c.tolist()}")
        self.A, self.c = A, c

    def value(self, w):
        """E at points w (..., 2) -> (...)."""
        d = np.asarray(w, dtype=np.float64) - self.c
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.A, d)

    def grad(self, w):
        """dE/dw = A (w - c), for w (2,)."""
        return self.A @ (np.asarray(w, dtype=np.float64) - self.c)

    @property
    def lipschitz(self):
        """The largest curvature: gradient steps shorter than 2 / lipschitz converge."""
        return float(np.linalg.eigvalsh(self.A).max())


def l2_solution(q, lam):
    """argmin E(w) + lam/2 |w|^2: setting the gradient A(w - c) + lam w to 0 gives
    w = (A + lam I)^-1 A c.  Every coordinate shrinks; none becomes exactly 0 unless c's does."""
    lam = check_number("lam", lam, 0)
    return np.linalg.solve(q.A + lam * np.eye(2), q.A @ q.c)


def l1_solution(q, lam, steps=2000):
    """argmin E(w) + lam |w|_1 by proximal gradient descent (ISTA): a gradient step on E, then
    the soft threshold.  Converges for the step 1 / lipschitz; `steps` is plenty for 2 weights."""
    lam = check_number("lam", lam, 0)
    steps = check_int("steps", steps, 1)
    lr = 1.0 / q.lipschitz
    w = q.c.copy()
    for _ in range(steps):
        w = soft_threshold(w - lr * q.grad(w), lr * lam)
    return w


def descent_path(q, penalty, lam, lr=0.1, steps=60, start=(2.4, -0.8), method="subgradient"):
    """The points that gradient descent visits on E(w) + penalty, from `start`: (steps + 1, 2).

    penalty 'l2': w <- w - lr (dE/dw + lam w)      (the weight-decay step)
    penalty 'l1', method 'subgradient': w <- w - lr (dE/dw + lam sign(w))
    penalty 'l1', method 'proximal':    w <- soft_threshold(w - lr dE/dw, lr lam)
    """
    penalty = check_choice("penalty", penalty, ("l1", "l2"))
    method = check_choice("method", method, ("subgradient", "proximal"))
    lam = check_number("lam", lam, 0)
    lr = check_number("lr", lr, 0, low_open=True)
    steps = check_int("steps", steps, 1)
    w = np.asarray(start, dtype=np.float64).copy()
    if w.shape != (2,):
        raise ValueError(f"start must be two numbers (w1, w2), got {start!r}")
    points = [w.copy()]
    for _ in range(steps):
        g = q.grad(w)
        if penalty == "l2":
            w = w - lr * (g + lam * w)
        elif method == "subgradient":
            w = w - lr * (g + lam * np.sign(w))
        else:
            w = soft_threshold(w - lr * g, lr * lam)
        points.append(w.copy())
    return np.array(points)


def shrink_path(w0=1.03, lam=1.0, lr=0.1, steps=40, method="l2"):
    """One weight with no data gradient, only the penalty: its value after each step (steps + 1,).

    'l2':          w <- (1 - lr lam) w                  geometric decay, never exactly 0
    'l1':          w <- w - lr lam sign(w)              walks to 0, then jumps across it forever
    'l1-proximal': w <- soft_threshold(w, lr lam)       walks to 0 and stays there, exactly
    """
    method = check_choice("method", method, ("l2", "l1", "l1-proximal"))
    w0 = check_number("w0", w0)
    lam = check_number("lam", lam, 0)
    lr = check_number("lr", lr, 0, low_open=True)
    steps = check_int("steps", steps, 1)
    w = np.empty(steps + 1)
    w[0] = w0
    for k in range(steps):
        if method == "l2":
            w[k + 1] = (1 - lr * lam) * w[k]
        elif method == "l1":
            w[k + 1] = w[k] - lr * lam * np.sign(w[k])
        else:
            w[k + 1] = soft_threshold(w[k], lr * lam)
    return w


# ------------------------------------------------------------------------------------- figures

@with_fonts
def penalty_pull_figure(lam=1.0, w_max=3.0):
    """Left: the penalties lam/2 w^2 and lam |w|.  Right: the size of their pull toward 0
    (|derivative|): lam |w| for L2, which grows with the weight, and a constant lam for L1."""
    lam = check_number("lam", lam, 0, low_open=True)
    w_max = check_number("w_max", w_max, 0, low_open=True)
    w = np.linspace(-w_max, w_max, 601)
    fig, (ax1, ax2) = new_figure(12, 4.6, ncols=2)
    ax1.plot(w, 0.5 * lam * w ** 2, color=L2_COLOR, lw=3, label=r"L2: $\frac{\lambda}{2} w^2$")
    ax1.plot(w, lam * np.abs(w), color=L1_COLOR, lw=3, label=r"L1: $\lambda |w|$")
    ax1.set(xlabel="weight w", ylabel="penalty", title=f"The price of a weight (λ = {lam:g})")
    ax1.legend(loc="upper center")
    wp = np.linspace(0, w_max, 301)
    ax2.plot(wp, lam * wp, color=L2_COLOR, lw=3, label=r"L2: $\lambda |w|$")
    ax2.plot(wp, np.full_like(wp, lam), color=L1_COLOR, lw=3, label=r"L1: $\lambda$ (any $w \neq 0$)")
    ax2.axvline(1.0, color=LOSS_COLOR, ls=":", lw=1.5)
    ax2.annotate("L1 pulls harder", xy=(0.5, lam), xytext=(0.12, 1.75 * lam), fontsize=12,
                 arrowprops=dict(arrowstyle="->", color="black"))
    ax2.annotate("L2 pulls harder", xy=(2.0, 2.0 * lam), xytext=(1.35, 2.7 * lam), fontsize=12,
                 arrowprops=dict(arrowstyle="->", color="black"))
    ax2.set(xlabel="size of the weight |w|", ylabel="pull toward 0  |d penalty / dw|",
            title="How hard each penalty pulls", ylim=(0, 3.2 * lam), xlim=(0, w_max))
    ax2.legend(loc="upper left")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    return fig


def _ball(kind, radius, n=400):
    """Boundary points of the L1 ball (a diamond) or the L2 ball (a disc) of `radius`."""
    a = np.linspace(0, 2 * np.pi, n)
    if kind == "l2":
        return radius * np.cos(a), radius * np.sin(a)
    x, y = np.cos(a), np.sin(a)
    s = np.abs(x) + np.abs(y)
    return radius * x / s, radius * y / s


@with_fonts
def constraint_figure(q=None, lam_l1=1.5, lam_l2=1.5, paths=True, lr=0.1, steps=60, start=(2.4, -0.8)):
    """Two panels, L1 (left) and L2 (right).  Each shows the contours of E, the unpenalized
    optimum c, the penalized optimum and the L1 diamond / L2 disc through it: the optimum is
    the point of that region where E is smallest, where a contour first touches the region.
    A thin line traces the optimum as lambda grows from 0 (the regularization path).
    paths=True adds gradient descent from `start`: L2 steps, L1 subgradient steps (which zigzag
    across the axis) and L1 proximal steps (which land on it)."""
    q = q or Quadratic2D()
    lam_l1 = check_number("lam_l1", lam_l1, 0)
    lam_l2 = check_number("lam_l2", lam_l2, 0)
    fig, axes = new_figure(13, 7.6, ncols=2)
    lim = (-1.0, 2.6)
    g = np.linspace(*lim, 300)
    W1, W2 = np.meshgrid(g, g)
    E = q.value(np.stack([W1, W2], axis=-1))
    levels = np.quantile(E, [0.005, 0.02, 0.05, 0.1, 0.18, 0.28, 0.4, 0.55, 0.7])
    lams = np.concatenate([np.linspace(0, 1, 21), np.geomspace(1.05, 60, 60)])
    for ax, kind, lam in ((axes[0], "l1", lam_l1), (axes[1], "l2", lam_l2)):
        color = L1_COLOR if kind == "l1" else L2_COLOR
        solve = l1_solution if kind == "l1" else l2_solution
        w = solve(q, lam)
        radius = np.abs(w).sum() if kind == "l1" else float(np.hypot(*w))
        ax.contour(W1, W2, E, levels=levels, colors=LOSS_COLOR, linewidths=1.0)
        ax.contour(W1, W2, E, levels=[q.value(w)], colors=color, linewidths=2.0, linestyles="--")
        bx, by = _ball(kind, radius)
        region = "L1 diamond |w1| + |w2| ≤ t" if kind == "l1" else "L2 disc w1² + w2² ≤ t²"
        ax.fill(bx, by, color=color, alpha=0.18, label=region)
        ax.plot(bx, by, color=color, lw=2)
        trace = np.array([solve(q, lam_) for lam_ in lams])
        ax.plot(trace[:, 0], trace[:, 1], color="black", lw=1.2, alpha=0.7,
                label="optimum as λ grows from 0")
        ax.plot(*q.c, "kx", ms=13, mew=3, label="optimum without penalty")
        ax.plot(*w, marker="*", color=color, ms=22, mec="black",
                label=f"optimum with penalty: ({w[0]:.2f}, {w[1]:.2f})")
        if paths:
            if kind == "l2":
                p = descent_path(q, "l2", lam, lr, steps, start)
                ax.plot(p[:, 0], p[:, 1], ".-", color=L2_COLOR, ms=5, lw=1, alpha=0.8,
                        label="gradient descent steps")
            else:
                sub = descent_path(q, "l1", lam, lr, steps, start, "subgradient")
                prox = descent_path(q, "l1", lam, lr, steps, start, "proximal")
                ax.plot(sub[:, 0], sub[:, 1], ".-", color=SUB_COLOR, ms=5, lw=1, alpha=0.8,
                        label="subgradient steps (zigzag)")
                ax.plot(prox[:, 0], prox[:, 1], ".-", color=PROX_COLOR, ms=5, lw=1, alpha=0.8,
                        label="proximal steps (land on the axis)")
                _zoom(ax, w, sub[-ZOOM_STEPS:], prox[-1])
        ax.axhline(0, color="black", lw=0.8)
        ax.axvline(0, color="black", lw=0.8)
        name = "L1" if kind == "l1" else "L2"
        ax.set(xlim=lim, ylim=lim, aspect="equal", xlabel="weight $w_1$", ylabel="weight $w_2$",
               title=f"{name} penalty, λ = {lam:g}")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=11, ncol=1)
    fig.suptitle("Grey: contours of the loss E.  The penalized optimum is where a contour (dashed) "
                 "first touches the shaded region", fontsize=13)
    return fig


ZOOM_STEPS = 12      # the inset of constraint_figure shows the last 12 steps of each L1 path


def _zoom(ax, optimum, sub_tail, prox_end):
    """An inset in the upper left of `ax` with only the end of the L1 runs: the last subgradient
    steps (sub_tail, (k, 2)), which keep crossing w2 = 0, and where the proximal steps ended."""
    inset = ax.inset_axes([0.03, 0.6, 0.4, 0.37])
    pts = np.vstack([sub_tail, [optimum]])
    pad = 0.15 * max(np.ptp(pts[:, 0]), np.ptp(pts[:, 1]), 0.05)
    inset.set(xlim=(pts[:, 0].min() - pad, pts[:, 0].max() + pad),
              ylim=(pts[:, 1].min() - pad, pts[:, 1].max() + pad), xticks=[], yticks=[])
    inset.axhline(0, color="black", lw=1)
    inset.plot(sub_tail[:, 0], sub_tail[:, 1], "o-", color=SUB_COLOR, ms=4, lw=1)
    inset.plot(*prox_end, "o", color=PROX_COLOR, ms=9, mec="black")
    inset.text(0.97, 0.96, f"zoom: the last\n{len(sub_tail)} steps", transform=inset.transAxes,
               ha="right", va="top", fontsize=10)
    inset.text(0.03, 0.04, "$w_2 = 0$", transform=inset.transAxes, fontsize=10)
    ax.indicate_inset_zoom(inset, edgecolor="black")
    return inset


@with_fonts
def shrink_figure(paths, lr=None, lam=None):
    """Curves of one weight over the steps, {label: shrink_path(...)}, with the zero line."""
    fig, ax = new_figure(9, 4.4)
    colors = {"l2": L2_COLOR, "l1": L1_COLOR, "prox": PROX_COLOR}
    styles = ["-o", "-s", "-^", "-d"]
    for (label, w), style in zip(paths.items(), styles * 2):
        key = "prox" if "prox" in label.lower() else "l1" if "l1" in label.lower() else "l2"
        ax.plot(np.arange(len(w)), w, style, color=colors[key], ms=4, lw=2, label=label)
    ax.axhline(0, color="black", lw=1)
    detail = f" (lr = {lr:g}, λ = {lam:g}, no data gradient)" if lr is not None and lam is not None else ""
    ax.set(xlabel="step", ylabel="weight w", title="One weight under the penalty alone" + detail)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    return fig
