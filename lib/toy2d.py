"""The 2-D lab: a small network's decision boundary, with and without a penalty or dropout.

    (x, t), (x_test, t_test) = lab_data()          # 100 noisy training points, 3,000 test points
    net, history = train_lab(penalty="L2", lam=0.01)   # the lab's network and schedule
    boundary_figure(net, x, t, x_test, t_test)     # decision regions, points, accuracies
    logit_slope(net, x_test), weight_bound(net)    # how steep the logit is; its bound
    units_in_use(net)                              # hidden units still connected (L1 removes some)

The data: two interleaved half circles ("moons", the classes 0 and 1) with Gaussian noise of
standard deviation `noise` (in the units of the moons' radius 1), then shifted and scaled by fixed
constants to about mean 0 and standard deviation 1 per coordinate.  Noise makes the moons overlap,
so no boundary gets every point right: a boundary that does fits the noise.

Bendiness and weight size.  The network's logit difference f(x) = s1(x) - s0(x) decides the class
(class 1 where f > 0; its probability is sigmoid(f)).  A sharp bend or a narrow wiggle needs f to
change fast: a large slope |grad f|.  For a ReLU network the slope is at most the product of the
layers' weight norms (each layer multiplies a change of its input by at most ||W||), so small
weights force a gentle, smooth f.  logit_slope() measures the largest slope over the data's
region; weight_bound() is that product (Frobenius norms, the last layer's two columns subtracted).
"""
import numpy as np

from .argcheck import check_choice, check_int, check_number
from .net import MultiLayerNet
from .plots import new_figure, with_fonts
from .train import train

NOISE = 0.3                # standard deviation of the noise, in units of the moons' radius
N_TRAIN, N_TEST = 100, 3000
TRAIN_SEED, TEST_SEED = 0, 12345
CENTER = np.array([0.5, 0.25])      # the noiseless moons' mean ...
SCALE = np.array([0.87, 0.5])       # ... and about their standard deviation per coordinate
# The lab's network (2 inputs, depth hidden ReLU layers of width units, 2 outputs) and schedule
# (full batch: one step per epoch).  No penalty then fits every training point (tests/test_toy2d.py).
LAB = {"width": 100, "depth": 2, "epochs": 600, "optimizer": "adam", "lr": 0.01}
LIMITS = (-2.6, 2.6, -2.6, 2.6)      # (x min, x max, y min, y max) of the figures' grid
GRID = 81                            # grid points per axis for the decision regions
CLASS_COLORS = ("#1f77b4", "#d62728")   # class 0 blue, class 1 red (as the regions' colour map)


def make_moons(n, noise=NOISE, seed=0):
    """Two interleaved moons: x (n, 2) float32, t (n,) int64 in {0, 1}.

    Class 0 is the upper moon, class 1 the lower one; n // 2 points of class 1 and the rest of
    class 0 (balanced), in random order.  Each point: an angle uniform in [0, pi] on its moon, plus
    N(0, noise^2) in each coordinate; then (x - CENTER) / SCALE for every set alike."""
    n = check_int("n", n, 2)
    noise = check_number("noise", noise, 0)
    rng = np.random.default_rng(check_int("seed", seed, 0))
    t = np.zeros(n, dtype=np.int64)
    t[: n // 2] = 1
    t = rng.permutation(t)
    angle = rng.uniform(0, np.pi, n)
    upper = np.column_stack([np.cos(angle), np.sin(angle)])
    lower = np.column_stack([1 - np.cos(angle), 0.5 - np.sin(angle)])
    x = np.where(t[:, None] == 1, lower, upper) + noise * rng.standard_normal((n, 2))
    return ((x - CENTER) / SCALE).astype(np.float32), t


def make_spirals(n, noise=0.1, seed=0, turns=1.5):
    """Two interleaved spirals: x (n, 2) float32, t (n,) int64, n // 2 of class 1 (balanced).

    Spiral arm k in {0, 1}: radius r uniform in [0.1, 1], angle 2 pi turns r + pi k; noise in the
    same units (radius 1), then scaled by 1.6 to about standard deviation 1 per coordinate."""
    n = check_int("n", n, 2)
    noise = check_number("noise", noise, 0)
    turns = check_number("turns", turns, 0, low_open=True)
    rng = np.random.default_rng(check_int("seed", seed, 0))
    t = rng.permutation(np.r_[np.ones(n // 2, dtype=np.int64), np.zeros(n - n // 2, dtype=np.int64)])
    r = rng.uniform(0.1, 1, n)
    angle = 2 * np.pi * turns * r + np.pi * t
    x = r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]) + noise * rng.standard_normal((n, 2))
    return (1.6 * x).astype(np.float32), t


def lab_data(n_train=N_TRAIN, noise=NOISE, seed=TRAIN_SEED, n_test=N_TEST, kind="moons"):
    """The lab's split: ((x_train, t_train), (x_test, t_test)); x (N, 2) float32, t (N,) int64.

    A small noisy training set (seed) and a large test set from the same distribution (always the
    seed TEST_SEED, so every training seed is judged on the same test points)."""
    make = {"moons": make_moons, "spirals": make_spirals}[check_choice("kind", kind, ("moons", "spirals"))]
    seed = check_int("seed", seed, 0)
    if seed == TEST_SEED:
        raise ValueError(f"seed={TEST_SEED} is the test set's seed; choose another training seed")
    return make(n_train, noise, seed), make(check_int("n_test", n_test, 2), noise, TEST_SEED)


def lab_net(penalty="none", lam=0.0, dropout_ratio=0.0, width=LAB["width"], depth=LAB["depth"], seed=0):
    """The lab's network: 2 inputs, `depth` hidden ReLU layers of `width` units, 2 outputs.

    penalty 'none', 'L2' (weight_decay_lambda = lam) or 'L1' (l1_lambda = lam).  L1 adds lam*sign(W)
    to the gradient (l1_method 'subgradient'): under Adam the proximal step would shrink each weight
    by only lr*lam per step, far too little to matter."""
    penalty = check_choice("penalty", penalty, ("none", "l2", "l1"))
    lam = check_number("lam", lam, 0)
    if penalty == "none" and lam:
        raise ValueError(f"lam={lam:g} needs a penalty: give penalty='L2' or 'L1' (or lam=0)")
    strength = {"l2": {"weight_decay_lambda": lam}, "l1": {"l1_lambda": lam}}.get(penalty, {})
    return MultiLayerNet(2, [check_int("width", width, 1)] * check_int("depth", depth, 1), 2, seed=seed,
                         dropout_ratio=dropout_ratio, l1_method="subgradient", **strength)


def train_lab(penalty="none", lam=0.0, dropout_ratio=0.0, width=LAB["width"], depth=LAB["depth"], seed=0,
              data=None, epochs=LAB["epochs"], eval_every=50):
    """Train lab_net(...) on the lab's data with the lab's schedule: returns (net, History).

    data: ((x_train, t_train), (x_test, t_test)), default lab_data().  Full batch, Adam, lr 0.01:
    one step per epoch; about 0.2 s with one BLAS thread.  seed: the network's initial weights and
    dropout masks (the data stay the same)."""
    (x, t), (x_test, t_test) = lab_data() if data is None else data
    net = lab_net(penalty, lam, dropout_ratio, width, depth, seed)
    history = train(net, x, t, x_test, t_test, epochs=epochs, batch_size=len(x), optimizer=LAB["optimizer"],
                    lr=LAB["lr"], seed=seed, eval_every=eval_every)
    return net, history


def units_in_use(net, tol=0.01):
    """Hidden units that still connect input to output: per hidden layer, the number of units whose
    incoming weights (a column of W_l) and outgoing weights (a row of W_{l+1}) both have norm above
    tol.  A list of ints, one per hidden layer (sum() gives the total)."""
    tol = check_number("tol", tol, 0)
    W = [net.params[f"W{i}"] for i in range(1, net.n_layers + 1)]
    return [int(np.count_nonzero((np.linalg.norm(W[i], axis=0) > tol) & (np.linalg.norm(W[i + 1], axis=1) > tol)))
            for i in range(len(W) - 1)]


def logits(net, x):
    """The logit difference f(x) = score of class 1 - score of class 0 (eval mode): (N,) float64.
    Class 1 where f > 0; its probability is sigmoid(f)."""
    scores = net.predict(np.asarray(x, dtype=net.dtype)).astype(np.float64)
    return scores[:, 1] - scores[:, 0]


def logit_slope(net, x, h=0.01):
    """The largest slope |grad f| of the logit difference at the points x (N, 2): a float.

    The gradient by central differences, (f(x + h e_i) - f(x - h e_i)) / 2h for each coordinate i.
    Pass the test points: they sample the region where the data live.  A steep f can turn the
    class around within a short distance: sharp bends and narrow wiggles need a large slope."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (N, 2), got {x.shape}")
    h = check_number("h", h, 0, low_open=True)
    grad = [(logits(net, x + h * e) - logits(net, x - h * e)) / (2 * h) for e in np.eye(2)]
    return float(np.max(np.hypot(*grad)))


def weight_bound(net):
    """An upper bound on the slope of f for a ReLU network: ||w_1 - w_0|| * ||W_1|| * ... * ||W_{L-1}||,
    the product of the layers' Frobenius norms (last layer: the difference of its two columns).
    Each layer changes the length of a change of its input by at most the factor ||W|| (ReLU does
    not lengthen it), so |f(x) - f(y)| <= weight_bound(net) * |x - y|.  A float."""
    L = net.n_layers
    last = net.params[f"W{L}"].astype(np.float64)
    bound = np.linalg.norm(last[:, 1] - last[:, 0])
    for i in range(1, L):
        bound *= np.linalg.norm(net.params[f"W{i}"].astype(np.float64))
    return float(bound)


# --- figures -----------------------------------------------------------------------------------
def probability_grid(net, limits=LIMITS, grid=GRID):
    """The class-1 probability over a grid: (xs (G,), ys (G,), p (G, G)) with p[i, j] at (xs[j], ys[i])."""
    grid = check_int("grid", grid, 2)
    xs, ys = np.linspace(limits[0], limits[1], grid), np.linspace(limits[2], limits[3], grid)
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    return xs, ys, (1 / (1 + np.exp(-logits(net, points)))).reshape(grid, grid)


TEST_POINTS_DRAWN = 800   # test points drawn faintly in a figure (the test set is random, so the first ones)


def draw_boundary(ax, net, x_train, t_train, x_test=None, t_test=None, reference=None, title=None):
    """Draw `net`'s decision regions on ax: class-1 probability as filled contours (blue 0, red 1),
    the boundary p = 0.5 as a bold line, the training points (large), the first TEST_POINTS_DRAWN test points
    (small, faint), and an optional `reference` net's boundary as a faint dashed line.  The title says
    `title` and the train (and test) accuracy."""
    xs, ys, p = probability_grid(net)
    ax.contourf(xs, ys, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55, vmin=0, vmax=1)
    ax.contour(xs, ys, p, levels=[0.5], colors="k", linewidths=2.2)
    if reference is not None:
        ax.contour(xs, ys, probability_grid(reference)[2], levels=[0.5], colors="k", linewidths=1.5,
                   linestyles="--", alpha=0.4)
    colors = np.array(CLASS_COLORS)
    if x_test is not None:
        shown = slice(0, TEST_POINTS_DRAWN)     # a sample keeps the PNG small; accuracy uses them all
        ax.scatter(x_test[shown, 0], x_test[shown, 1], s=4, c=colors[t_test[shown]], alpha=0.3, lw=0)
    ax.scatter(x_train[:, 0], x_train[:, 1], s=28, c=colors[t_train], edgecolors="k", linewidths=0.7)
    accuracy = f"train {net.accuracy(x_train, t_train):.2f}"
    if x_test is not None:
        accuracy += f", test {net.accuracy(x_test, t_test):.2f}"
    ax.set_title(f"{title}\n{accuracy}" if title else accuracy)
    ax.set(xlim=LIMITS[:2], ylim=LIMITS[2:], xticks=[], yticks=[], aspect="equal")
    return ax


@with_fonts
def boundary_figure(net, x_train, t_train, x_test=None, t_test=None, reference=None, title=None, size=4.6):
    """One net's decision regions (draw_boundary) as a Figure."""
    fig, ax = new_figure(size, size + 0.8)   # room for a two-line title
    draw_boundary(ax, net, x_train, t_train, x_test, t_test, reference, title)
    return fig


@with_fonts
def boundaries_figure(nets, x_train, t_train, x_test=None, t_test=None, reference=None, size=4.2):
    """Several nets side by side: nets {title: net}, e.g. {"no penalty": a, "L2, λ = 0.01": b};
    reference: a net whose boundary is drawn faintly in every panel."""
    if not isinstance(nets, dict) or not nets:
        raise TypeError("nets must be a non-empty dict {title: trained net}")
    fig, axes = new_figure(size * len(nets), size + 0.9, ncols=len(nets), squeeze=False)   # room for two-line titles
    for ax, (title, net) in zip(axes[0], nets.items()):
        draw_boundary(ax, net, x_train, t_train, x_test, t_test, reference, title)
    return fig
