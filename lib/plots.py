"""Figures for the notebooks and the live panels, drawn with matplotlib's object API.

Every function returns a `matplotlib.figure.Figure` (never pyplot state), so the same code works
in a notebook cell, inside a widget callback on any thread, and in tests.  In a notebook, a
Figure that ends a cell is shown as a PNG (registered below); `to_png(fig)` gives the bytes.
"""
import io

import numpy as np
from matplotlib.figure import Figure

# Sizes chosen to stay readable on a classroom projector.
FONT = {"font.size": 12, "axes.titlesize": 13, "axes.labelsize": 12, "legend.fontsize": 11}
TRAIN_COLOR, TEST_COLOR = "#1f77b4", "#d62728"


def new_figure(width=8, height=4, ncols=1, nrows=1, **kwargs):
    """A Figure with a grid of axes: returns (fig, axes)."""
    import matplotlib
    with matplotlib.rc_context(FONT):
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes


def to_png(fig, dpi=100):
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def plot_curves(ax, history, label="", alpha=1.0, linewidth=2.0, train=True, test=True, test_name="test"):
    """Train (solid) and test (dashed) accuracy of a History on one axes."""
    prefix = f"{label}: " if label else ""
    if train and history.train_acc:
        ax.plot(history.epoch, history.train_acc, color=TRAIN_COLOR, alpha=alpha, lw=linewidth,
                label=f"{prefix}train")
    if test and history.test_acc:
        ax.plot(history.epoch, history.test_acc, color=TEST_COLOR, alpha=alpha, lw=linewidth, ls="--",
                label=f"{prefix}{test_name}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)


def curves_figure(histories, title="Accuracy during training", test_name="test", width=8, height=4.5):
    """One figure of train/test curves for {label: History}; each label gets its own colour."""
    fig, ax = new_figure(width, height)
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    for (label, h), color in zip(histories.items(), colors * 3):
        ax.plot(h.epoch, h.train_acc, color=color, lw=2, label=f"{label}: train")
        ax.plot(h.epoch, h.test_acc, color=color, lw=2, ls="--", label=f"{label}: {test_name}")
    ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02), title=title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", ncol=1 if len(histories) < 3 else 2)
    return fig


def weight_histogram(ax, weights, label="", bins=81, zero_tol=1e-3, color="#1f77b4", limit=None):
    """Histogram of weights in (-limit, limit) drawn as an outline, with the share at about zero
    (|w| < zero_tol) in the legend.  Weights beyond +-limit are not drawn (not piled into the edge
    bars); weight_counts() counts them.  bins: a number, or an array of bar edges."""
    w = np.asarray(weights).ravel()
    limit = limit or float(np.percentile(np.abs(w), 99.5)) or 1.0
    share = float(np.mean(np.abs(w) < zero_tol))
    ax.hist(w, bins=bins, range=(-limit, limit), color=color, histtype="stepfilled", alpha=0.35,
            edgecolor=color, lw=1.8, label=f"{label + ': ' if label else ''}{share:.0%} with |w| < {zero_tol:g}")
    ax.set_xlabel("weight value")
    ax.set_ylabel("count")
    ax.legend(loc="upper right")
    return share


def histogram_limit(weights):
    """The 99.5th percentile of |w| over all arrays of {label: weights}: where the axes of
    weight_histograms_figure end (before rounding to whole bars, see histogram_edges)."""
    return float(max(np.percentile(np.abs(np.asarray(w)), 99.5) for w in weights.values())) or 1.0


def histogram_edges(limit, zero_tol=1e-3, bins=None):
    """Bar edges from about -limit to limit, with one bar centred on 0.  bins=None: bars of width
    2 * zero_tol, so the bar at 0 is exactly |w| < zero_tol (limit rounded up to a whole bar; if
    that would take more than 601 bars, 81 bars instead); an int: that many bars (made odd)."""
    if bins is None and limit / (2 * zero_tol) <= 300:
        half = int(np.ceil(limit / (2 * zero_tol) - 0.5 - 1e-9))   # bars on each side of the middle one
        return (np.arange(-half, half + 2) - 0.5) * 2 * zero_tol   # the middle bar is (-zero_tol, zero_tol)
    return np.linspace(-limit, limit, (int(bins or 81) | 1) + 1)


def weight_counts(weights, zero_tol=1e-3, limit=None, bins=None):
    """What weight_histograms_figure (same arguments) writes on each panel, for {label: weights}:
    {label: {"size", "exactly_0", "near_0" (|w| < zero_tol), "beyond" (|w| > limit: not drawn),
    "limit" (where the axes end)}}."""
    limit = float(histogram_edges(limit or histogram_limit(weights), zero_tol, bins)[-1])
    out = {}
    for label, w in weights.items():
        w = np.asarray(w).ravel()
        out[label] = {"size": w.size, "exactly_0": int(np.sum(w == 0)), "near_0": int(np.sum(np.abs(w) < zero_tol)),
                      "beyond": int(np.sum(np.abs(w) > limit)), "limit": limit}
    return out


def digits_figure(images, titles=None, ncols=8, title=None, size=1.4):
    """A grid of 28x28 digits; images (N, 784) or (N, 28, 28); optional per-image titles."""
    images = np.asarray(images).reshape(len(images), 28, 28)
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = new_figure(size * ncols, size * nrows + (0.4 if title else 0), ncols=ncols, nrows=nrows,
                           squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=1 if images.max() <= 1 else 255)
            if titles is not None:
                ax.set_title(titles[i], fontsize=10)
    if title:
        fig.suptitle(title)
    return fig


# --- chapter 2 (penalties): sweeps, weight histograms, first-layer weights -----------------------

def with_fonts(build):
    """Decorator: build the whole figure inside rc_context(FONT), so that titles, labels and
    legends added after new_figure() get the projector-sized fonts too."""
    import functools

    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        import matplotlib
        with matplotlib.rc_context(FONT):
            return build(*args, **kwargs)
    return wrapper


def _series_color(label, i):
    low = label.lower()
    if "train" in low:
        return TRAIN_COLOR
    if "val" in low or "test" in low:
        return TEST_COLOR
    return ["#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"][i % 4]


@with_fonts
def sweep_figure(sweeps, baseline=None, chosen=None, ylims=None, xlabel="λ (log scale)",
                 baseline_label="λ = 0", title=None, width=13, height=7.5):
    """Scores against a hyperparameter on a log axis: mean over seeds, with a band from the
    lowest to the highest seed.

    sweeps: {panel title: {row: (x values (K,), scores (K, n_seeds))}}: one column per panel
        title, one row per row name (e.g. "validation accuracy", "train accuracy").
    baseline: {row: scores (n_seeds,)} for the setting that a log axis cannot show (lambda = 0),
        drawn in that row of every column as a dotted line with its band, labelled baseline_label.
    chosen: {panel title: x} marks the chosen value with a dashed vertical line.
    ylims: {row: (low, high)} zooms a row; a mean outside the range is drawn at the edge as a
        triangle with its value written beside it.
    """
    if not sweeps:
        raise ValueError("sweeps is empty: give {panel title: {row: (x values, scores)}}")
    rows = list(dict.fromkeys(row for curves in sweeps.values() for row in curves))
    ylims = ylims or {}
    unknown = [r for r in list(ylims) + list(baseline or {}) if r not in rows]
    if unknown:
        raise ValueError(f"ylims/baseline name rows {unknown} that no sweep has; rows are {rows}")
    ratios = [3 if r in ylims else 2 for r in rows]
    fig, axes = new_figure(width, height, ncols=len(sweeps), nrows=len(rows), squeeze=False,
                           sharex="col", sharey="row", gridspec_kw={"height_ratios": ratios})
    for c, (panel, curves) in enumerate(sweeps.items()):
        for r, row in enumerate(rows):
            ax = axes[r, c]
            color = _series_color(row, r)
            if row in (baseline or {}):
                base = np.asarray(baseline[row], dtype=float).ravel()
                ax.axhspan(base.min(), base.max(), color="black", alpha=0.07)
                ax.axhline(base.mean(), color="black", ls=":", lw=2, label=f"{baseline_label} (mean, band)")
            if row in curves:
                xs, scores = (np.asarray(v, dtype=float) for v in curves[row])
                if scores.ndim != 2 or len(scores) != len(xs):
                    raise ValueError(f"{panel!r}/{row!r}: scores must have shape (len(x), n_seeds) = "
                                     f"({len(xs)}, n_seeds), got {scores.shape}")
                if np.any(xs <= 0):
                    raise ValueError(f"{panel!r}/{row!r}: a log axis needs x > 0, got {xs.tolist()}; "
                                     "pass the x = 0 runs as `baseline`")
                mean = scores.mean(axis=1)
                low, high = ylims.get(row, (None, None))
                shown = mean.copy()
                if low is not None:
                    shown = np.clip(shown, low, high)
                band_low, band_high = scores.min(axis=1), scores.max(axis=1)
                if low is not None:
                    band_low, band_high = np.clip(band_low, low, high), np.clip(band_high, low, high)
                ax.fill_between(xs, band_low, band_high, color=color, alpha=0.2)
                ax.plot(xs, shown, "o-", color=color, lw=2.5, ms=7, label="mean of the seeds (band: lowest to highest)")
                for x, m, s in zip(xs, mean, shown):
                    if m != s:
                        ax.plot([x], [s], "v" if m < s else "^", color=color, ms=13, clip_on=False)
                        ax.annotate(f"{m:.2f} ({'below' if m < s else 'above'})", (x, s),
                                    xytext=(-14, 14 if m < s else -26),
                                    textcoords="offset points", ha="right", fontsize=11, color=color)
                if low is not None:
                    ax.set_ylim(low, high)
            if chosen and panel in chosen:
                ax.axvline(chosen[panel], color="black", ls="--", lw=1.5, label="chosen on validation")
                if r == 0:
                    ax.annotate(f" chosen: {chosen[panel]:g}", (chosen[panel], 1), xycoords=("data", "axes fraction"),
                                xytext=(2, -16), textcoords="offset points", fontsize=11)
            ax.set_xscale("log")
            ax.grid(alpha=0.3, which="both")
            if r == 0:
                ax.set_title(panel)
            if c == 0:
                ax.set_ylabel(row)
            if r == len(rows) - 1:
                ax.set_xlabel(xlabel)
            if c == 0:
                ax.legend(loc="lower left", fontsize=10)
    if title:
        fig.suptitle(title, fontsize=14)
    return fig


@with_fonts
def weight_histograms_figure(weights, zero_tol=1e-3, limit=None, title=None, height=4.4, bins=None):
    """One histogram panel per entry of {label: weights}, on shared axes from -limit to limit.

    bins=None: bars of width 2 * zero_tol, so the bar at 0 holds exactly the weights with
    |w| < zero_tol; an int gives that many bars (odd, so one holds 0).  The box on each panel
    gives the counts of weight_counts(): exactly 0, |w| < zero_tol, and how many lie beyond the
    axis (they are left out, not piled into the edge bars).  A bar at zero far taller than the
    rest (L1) is cut at the top of the axes and its count written beside it, so that the other
    histograms stay readable."""
    from matplotlib import ticker
    if not weights:
        raise ValueError("weights is empty: give {label: array of weights}")
    arrays = {k: np.asarray(v).ravel() for k, v in weights.items()}
    edges = histogram_edges(limit or histogram_limit(arrays), zero_tol, bins)
    limit = float(edges[-1])
    stats = weight_counts(arrays, zero_tol, limit, bins)
    counts = {k: np.histogram(w, bins=edges)[0] for k, w in arrays.items()}
    middle = (len(edges) - 1) // 2                                   # the bar that holds 0
    lo, hi = edges[middle], edges[middle + 1]
    bar_name = f"|w| < {zero_tol:g}" if np.isclose(hi, zero_tol) else f"{lo:.2g} ≤ w < {hi:.2g}"
    body = max(np.delete(c, middle).max() for c in counts.values())
    top = max(max(c.max() for c in counts.values()), 1)
    if top > 3 * body:                          # a spike: zoom on the bodies
        top = 1.6 * body
    fig, axes = new_figure(3.7 * len(arrays), height, ncols=len(arrays), squeeze=False, sharey=True)
    colors = ["#7f7f7f", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    for ax, (label, w), color in zip(axes[0], arrays.items(), colors * 2):
        weight_histogram(ax, w, bins=edges, zero_tol=zero_tol, color=color, limit=limit)
        ax.set_xlim(-limit, limit)
        ax.set_ylim(0, top * 1.05)
        spike = counts[label][middle]
        if spike > top * 1.05:
            ax.annotate(f"bar at 0\ncut off:\n{spike:,}", (0, top * 1.05), xytext=(14, -105),
                        textcoords="offset points", fontsize=10.5, color=color,
                        arrowprops=dict(arrowstyle="->", color=color))
        ax.set_title(label)
        ax.xaxis.set_major_locator(ticker.MaxNLocator(5, symmetric=True))
        c = stats[label]
        lines = [f"exactly 0: {c['exactly_0']:,} ({c['exactly_0'] / c['size']:.1%})",
                 f"|w| < {zero_tol:g}: {c['near_0']:,} ({c['near_0'] / c['size']:.1%})"]
        if bar_name != f"|w| < {zero_tol:g}":
            lines.append(f"bar at 0: {bar_name}")
        if c["beyond"]:
            lines.append(f"beyond ±{limit:.3g}: {c['beyond']:,} (not drawn)")
        ax.text(0.03, 0.95, "\n".join(lines), transform=ax.transAxes, va="top",
                fontsize=10, bbox=dict(boxstyle="round", facecolor="white", alpha=0.8))
        ax.get_legend().remove()                # one histogram per panel: the box says it all
        ax.set_ylabel("")
    axes[0][0].set_ylabel("count")
    if title:
        fig.suptitle(title, fontsize=14)
    return fig


@with_fonts
def log_magnitude_figure(weights, mark=None, title=None, width=10, height=4.5):
    """Histograms of log10 |w| for {label: weights} on one axes, drawn as outlines (no blended
    colours), each thinner than the one before, so that where two coincide both stay visible.  Exact zeros have no logarithm: their share goes into the legend, and so does the
    count of weights beyond the axis (|w| < 1e-8 or > 1), if any.  mark: {text: x} draws a vertical reference line at x."""
    fig, ax = new_figure(width, height)
    colors = ["#ff7f0e", "#2ca02c", "#1f77b4", "#d62728"]
    bins = np.linspace(-8, 0, 65)
    for i, ((label, w), color) in enumerate(zip(weights.items(), colors * 2)):
        w = np.asarray(w).ravel()
        nz = w[w != 0]
        outside = int(np.sum((np.abs(nz) < 10.0 ** bins[0]) | (np.abs(nz) > 10.0 ** bins[-1])))
        ax.hist(np.log10(np.abs(nz)), bins=bins, color=color, histtype="step", lw=max(4.5 - 2 * i, 1.5),
                label=f"{label}: {np.mean(w == 0):.1%} exactly 0"
                      + (f", {outside:,} beyond the axis" if outside else ""))
    for text, x in (mark or {}).items():
        ax.axvline(np.log10(x), color="black", ls="--", lw=1.5, label=text)
    ax.set(xlabel="log10 |w|   (−5 means |w| = 0.00001)", ylabel="count", title=title or "Sizes of the weights")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return fig


@with_fonts
def first_layer_figure(weights, units=8, title=None, size=1.45, own_scale=()):
    """First-layer weights as 28x28 images: one row per {label: W1 (784, H)}, the first `units`
    hidden units as columns.  Red > 0, blue < 0, white = 0.  All rows share one colour scale (so
    a penalty that shrinks the weights shows as paler images), except the rows named in
    `own_scale`, which get their own (for differences, which are much smaller)."""
    if not weights:
        raise ValueError("weights is empty: give {label: W1 of shape (784, hidden units)}")
    for label, W in weights.items():
        if np.ndim(W) != 2 or np.shape(W)[0] != 784:
            raise ValueError(f"{label!r}: first-layer weights must have shape (784, H), got {np.shape(W)}")
    unknown = [label for label in own_scale if label not in weights]
    if unknown:
        raise ValueError(f"own_scale names rows {unknown} that are not in weights ({list(weights)})")
    units = min(units, min(np.shape(W)[1] for W in weights.values()))

    def scale(Ws):
        return float(max(np.percentile(np.abs(np.asarray(W)[:, :units]), 99) for W in Ws)) or 1.0

    shared = [W for label, W in weights.items() if label not in own_scale]
    vmax_shared = scale(shared) if shared else None
    fig, axes = new_figure(size * units + 1.6, size * len(weights) + (0.6 if title else 0.2),
                           ncols=units, nrows=len(weights), squeeze=False)
    image = None
    for r, (label, W) in enumerate(weights.items()):
        vmax = scale([W]) if label in own_scale else vmax_shared
        for c in range(units):
            ax = axes[r, c]
            im = ax.imshow(np.asarray(W)[:, c].reshape(28, 28), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"unit {c + 1}", fontsize=11)
        if label not in own_scale:
            image = im
        axes[r, 0].set_ylabel(label + ("\n(own scale)" if label in own_scale else ""), fontsize=11)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label="weight (shared scale)")
    if title:
        fig.suptitle(title, fontsize=14)
    return fig

# --- chapter 1 (overfitting): curves with the gap, capacity, the optimism of selection ----------

_RUN_COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


@with_fonts
def overfitting_figure(histories, title="Accuracy during training", test_name="test", width=13, height=4.6):
    """Left: train (solid) and test (dashed) accuracy per epoch; right: the gap train - test.

    histories: {label: History}.  One run uses the train/test colours; several runs get one colour
    each.  The right panel writes each run's final gap beside its line."""
    if not histories:
        raise ValueError("histories is empty: give {label: History}")
    fig, (ax, gap_ax) = new_figure(width, height, ncols=2, gridspec_kw={"width_ratios": [1.6, 1]})
    single = len(histories) == 1
    for i, (label, h) in enumerate(histories.items()):
        if not (h.train_acc and h.test_acc):
            raise ValueError(f"the run {label!r} has no train or {test_name} accuracy to draw")
        c_train, c_test = (TRAIN_COLOR, TEST_COLOR) if single else (_RUN_COLORS[i % 5],) * 2
        name = "" if single else f"{label}: "
        ax.plot(h.epoch, h.train_acc, color=c_train, lw=2.2, label=f"{name}train")
        ax.plot(h.epoch, h.test_acc, color=c_test, lw=2.2, ls="--", label=f"{name}{test_name}")
        gap = np.array(h.train_acc) - np.array(h.test_acc)
        color = "#9467bd" if single else _RUN_COLORS[i % 5]
        gap_ax.plot(h.epoch, gap, color=color, lw=2.2, label=label)
        gap_ax.annotate(f"{gap[-1]:.3f}", (h.epoch[-1], gap[-1]), xytext=(4, 0), textcoords="offset points",
                        va="center", color=color, fontsize=11)
    ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02), title=title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", ncol=1 if len(histories) < 3 else 2, fontsize=10)
    gap_ax.axhline(0, color="grey", lw=0.8)
    last = max(h.epoch[-1] for h in histories.values())
    gap_ax.set(xlabel="epoch", ylabel=f"train − {test_name} accuracy", xlim=(0, last * 1.13),
               title=f"The gap (train − {test_name})")
    gap_ax.grid(alpha=0.3)
    gap_ax.legend(loc="lower right", fontsize=10)
    return fig


@with_fonts
def loss_curves_figure(history, zoom_from=None, title="Accuracy and loss during training", test_name="test",
                       width=15, height=4.6):
    """Accuracy and loss of one run, and where the two disagree.

    Left: train (solid) and test (dashed) accuracy per epoch.  Middle: train and test loss
    (cross-entropy).  Right, from epoch `zoom_from` on (default: half the epoch of the lowest test
    loss): the test loss (left axis) and the test accuracy (right axis) zoomed in.  A dotted line
    in every panel marks the epoch of the lowest test loss.  history: a History with accuracies
    and losses on both sets."""
    for key in ("train_acc", "test_acc", "train_loss", "test_loss"):
        if not history[key]:
            raise ValueError(f"the run has no {key} to draw (train(..., eval_train=True) and an evaluation set record it)")
    epoch = np.asarray(history.epoch)
    test_loss = np.asarray(history.test_loss)
    low = int(np.argmin(test_loss))
    if zoom_from is None:
        zoom_from = epoch[low] / 2
    shown = epoch >= zoom_from
    if shown.sum() < 2:
        raise ValueError(f"zoom_from={zoom_from} leaves fewer than 2 recorded epochs (the last is {epoch[-1]})")
    fig, (acc_ax, loss_ax, zoom_ax) = new_figure(width, height, ncols=3)
    acc_ax.plot(epoch, history.train_acc, color=TRAIN_COLOR, lw=2.2, label="train")
    acc_ax.plot(epoch, history.test_acc, color=TEST_COLOR, lw=2.2, ls="--", label=test_name)
    acc_ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02), title="Accuracy")
    loss_ax.plot(epoch, history.train_loss, color=TRAIN_COLOR, lw=2.2, label="train")
    loss_ax.plot(epoch, test_loss, color=TEST_COLOR, lw=2.2, ls="--", label=test_name)
    loss_ax.plot([epoch[low]], [test_loss[low]], "o", color=TEST_COLOR, ms=8)
    loss_ax.set(xlabel="epoch", ylabel="loss (cross-entropy)", ylim=(0, None), title="Loss")
    zoom_ax.plot(epoch[shown], test_loss[shown], color=TEST_COLOR, lw=2.2, ls="--", label=f"{test_name} loss (left axis)")
    zoom_ax.plot([epoch[low]], [test_loss[low]], "o", color=TEST_COLOR, ms=8)
    zoom_ax.set(xlabel="epoch", title=f"From epoch {epoch[shown][0]}: {test_name} loss and accuracy")
    zoom_ax.set_ylabel(f"{test_name} loss", color=TEST_COLOR)
    acc2 = zoom_ax.twinx()
    acc2.plot(epoch[shown], np.asarray(history.test_acc)[shown], color="black", lw=2.2,
              label=f"{test_name} accuracy (right axis)")
    acc2.set_ylabel(f"{test_name} accuracy")
    for ax in (acc_ax, loss_ax, zoom_ax):
        ax.axvline(epoch[low], color="grey", ls=":", lw=1.8)
        ax.grid(alpha=0.3)
    acc_ax.legend(loc="lower right")
    loss_ax.legend(loc="upper right", title=f"dot, dotted line: lowest {test_name} loss", title_fontsize=10)
    handles = zoom_ax.get_legend_handles_labels()[0] + acc2.get_legend_handles_labels()[0]
    zoom_ax.legend(handles=handles, loc="center right", fontsize=10)
    fig.suptitle(title, fontsize=14)
    return fig


@with_fonts
def capacity_curves_figure(panels, title=None, width=13, height=4.8):
    """Has every network finished training?  One panel per schedule, one colour per network: train
    accuracy (solid) and test accuracy (dashed) per epoch.

    panels: {panel title: {network label: History}}, the same networks in every panel."""
    from matplotlib.lines import Line2D
    if not panels:
        raise ValueError("panels is empty: give {panel title: {label: History}}")
    fig, axes = new_figure(width, height, ncols=len(panels), squeeze=False, sharey=True)
    for ax, (name, runs) in zip(axes[0], panels.items()):
        for i, (label, h) in enumerate(runs.items()):
            if not (h.train_acc and h.test_acc):
                raise ValueError(f"the run {label!r} in {name!r} has no train or test accuracy to draw")
            color = _RUN_COLORS[i % len(_RUN_COLORS)]
            ax.plot(h.epoch, h.train_acc, color=color, lw=2.2)
            ax.plot(h.epoch, h.test_acc, color=color, lw=1.8, ls="--")
        handles = [Line2D([], [], color=_RUN_COLORS[i % len(_RUN_COLORS)], lw=4, label=label)
                   for i, label in enumerate(runs)]
        handles += [Line2D([], [], color="black", lw=2.2, label="train (300 images)"),
                    Line2D([], [], color="black", lw=1.8, ls="--", label="test")]
        ax.set(xlabel="epoch", ylim=(0, 1.02), title=name)
        ax.grid(alpha=0.3)
        ax.legend(handles=handles, loc="lower right", ncol=2, fontsize=10)
    axes[0, 0].set_ylabel("accuracy")
    if title:
        fig.suptitle(title, fontsize=14)
    return fig


@with_fonts
def capacity_figure(n_params, labels, results, title="Accuracy and gap against network size",
                    width=13, height=4.8):
    """Left: train (solid) and test (dashed) accuracy against the number of parameters (log axis);
    right: the gap train - test.  One colour per training schedule; a line through the mean over
    seeds and one dot per seed.

    n_params (k,), labels (k,): the networks.  results: {schedule label: (train_acc, test_acc)},
    each an array (k, seeds) of final accuracies."""
    n_params = np.asarray(n_params, dtype=float)
    if not results:
        raise ValueError("results is empty: give {schedule label: (train_acc, test_acc)}")
    if len(n_params) != len(labels):
        raise ValueError("n_params and labels must have the same length")
    fig, (ax, gap_ax) = new_figure(width, height, ncols=2)
    colors = ["#7f7f7f", "#9467bd", "#2ca02c", "#ff7f0e"]
    low = 1.0
    for (name, (train_acc, test_acc)), color in zip(results.items(), colors):
        train_acc, test_acc = np.asarray(train_acc, dtype=float), np.asarray(test_acc, dtype=float)
        if train_acc.ndim == 1:
            train_acc, test_acc = train_acc[:, None], test_acc[:, None]
        if not (train_acc.shape == test_acc.shape and len(train_acc) == len(n_params)):
            raise ValueError(f"{name!r}: train_acc and test_acc must both be (networks={len(n_params)}, seeds)")
        gap = train_acc - test_acc
        seeds = train_acc.shape[1]
        xs = np.repeat(n_params[:, None], seeds, axis=1)
        ax.plot(n_params, train_acc.mean(axis=1), "o-", color=color, lw=2.2, ms=6, label=f"{name}: train")
        ax.plot(n_params, test_acc.mean(axis=1), "s--", color=color, lw=2.2, ms=6, label=f"{name}: test")
        ax.scatter(xs, train_acc, s=14, color=color, alpha=0.5, zorder=3)
        ax.scatter(xs, test_acc, s=14, color=color, alpha=0.5, zorder=3)
        gap_ax.plot(n_params, gap.mean(axis=1), "o-", color=color, lw=2.2, ms=6, label=name)
        gap_ax.scatter(xs, gap, s=14, color=color, alpha=0.5, zorder=3)
        low = min(low, test_acc.min())
    for a in (ax, gap_ax):
        a.set_xscale("log")
        a.set_xticks(n_params)
        a.set_xticklabels([f"{label}\n{int(n):,}" for label, n in zip(labels, n_params)], fontsize=9.5)
        a.minorticks_off()
        a.set_xlim(n_params.min() / 1.4, n_params.max() * 1.4)
        a.set_xlabel("network and number of parameters (log scale)")
        a.grid(alpha=0.3)
    ax.set(ylabel="accuracy after training", ylim=(max(0.0, low - 0.05), 1.02),
           title="Accuracy (line: mean; dots: seeds)")
    ax.legend(loc="lower right", fontsize=9.5)
    gap_ax.set(ylabel="train − test accuracy", title="The gap")
    gap_ax.legend(loc="best", fontsize=10)
    if title:
        fig.suptitle(title, fontsize=14)
    return fig


@with_fonts
def selection_figure(sizes, claimed, fresh, n_candidates, title=None, width=10, height=4.6):
    """The optimism of picking the best of n_candidates models on a set of `sizes` images:
    mean accuracy claimed on the set used to pick (solid) against the same model's accuracy on
    images not used to pick (dashed); the shaded band between them is the optimism."""
    sizes, claimed, fresh = (np.asarray(a, dtype=float) for a in (sizes, claimed, fresh))
    fig, ax = new_figure(width, height)
    ax.plot(sizes, claimed, "o-", color=TEST_COLOR, lw=2.2, ms=7, label="accuracy on the images used to pick")
    ax.plot(sizes, fresh, "s--", color="#2ca02c", lw=2.2, ms=7, label="the same model on fresh images")
    ax.fill_between(sizes, fresh, claimed, color=TEST_COLOR, alpha=0.12, label="optimism")
    for s, a, b in zip(sizes, claimed, fresh):
        ax.annotate(f"+{a - b:.3f}", (s, a), xytext=(0, 8), textcoords="offset points", ha="center", fontsize=10)
    ax.set_xscale("log")
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{int(s):,}" for s in sizes])
    ax.set_xticks([], minor=True)
    ax.set(xlabel="images used to pick the best model (log scale)", ylabel="accuracy (mean over repeats)",
           title=title or f"Picking the best of {n_candidates} models on a test set flatters it")
    pad = 0.25 * float(np.max(claimed - fresh))
    ax.set_ylim(float(fresh.min()) - pad - 0.005, float(claimed.max()) + pad + 0.01)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    return fig


# --- chapter 4 (choosing regularizers): search, early stopping, comparisons ----------------------

@with_fonts
def decade_shares_figure(samples, low, high, title="Where do the samples fall?", width=10, height=4.2):
    """Share of samples per decade between low and high, one group of bars per sampler.

    samples: {label: 1-D array of positive values}; low, high: powers of ten.
    """
    edges = np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)
    fig, ax = new_figure(width, height)
    n = len(samples)
    centers = np.arange(len(edges) - 1)
    colors = ["#7f7f7f", "#2ca02c", "#1f77b4", "#ff7f0e"]
    for i, (label, s) in enumerate(samples.items()):
        share = np.histogram(np.log10(np.asarray(s, dtype=float)), bins=edges)[0] / len(s)
        bars = ax.bar(centers + (i - (n - 1) / 2) * 0.8 / n, share, width=0.8 / n, label=label,
                      color=colors[i % len(colors)])
        ax.bar_label(bars, labels=[f"{v:.0%}" for v in share], fontsize=10, padding=2)
    ax.set_xticks(centers, [f"[1e{int(a)}, 1e{int(b)})" for a, b in zip(edges[:-1], edges[1:])])
    ax.set(xlabel="decade", ylabel="share of the samples", ylim=(0, 1.05), title=title)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3, axis="y")
    return fig


@with_fonts
def search_figure(trials, keys=("lr", "weight_decay_lambda"), color_key="dropout_ratio",
                  labels=None, title="Random search: validation accuracy of each trial", width=13, height=4.8):
    """Validation accuracy of every trial against each hyperparameter in `keys` (log axes),
    coloured by `color_key`; the best trial is circled, diverged trials are crosses at the bottom."""
    labels = {"lr": "learning rate (log scale)", "weight_decay_lambda": "L2 strength λ (log scale)",
              "dropout_ratio": "dropout ratio", **(labels or {})}
    done = [r for r in trials if r.get("val_acc") is not None]
    failed = [r for r in trials if r.get("val_acc") is None]
    best = max(done, key=lambda r: r["val_acc"]) if done else None
    fig, axes = new_figure(width, height, ncols=len(keys), sharey=True, squeeze=False)
    axes = axes[0]
    cvals = [r.get(color_key, 0.0) for r in trials]
    vmin, vmax = (min(cvals), max(cvals)) if cvals else (0, 1)
    for ax, key in zip(axes, keys):
        sc = ax.scatter([r[key] for r in done], [r["val_acc"] for r in done], c=[r.get(color_key, 0.0) for r in done],
                        cmap="viridis", vmin=vmin, vmax=vmax, s=70, edgecolor="k", linewidth=0.5, zorder=3)
        if failed:
            ax.scatter([r[key] for r in failed], [0.02] * len(failed), marker="x", color="#d62728", s=60,
                       label="diverged", zorder=3)
        if best is not None:
            ax.scatter([best[key]], [best["val_acc"]], s=320, facecolor="none", edgecolor="#d62728", lw=2.5,
                       label=f"best: {best['val_acc']:.3f}", zorder=4)
        ax.set_xscale("log")
        ax.set(xlabel=labels.get(key, key), ylim=(0, 1.0))
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="upper left")
    axes[0].set_ylabel("validation accuracy")
    if done:
        fig.colorbar(sc, ax=list(axes), label=labels.get(color_key, color_key), pad=0.01)
    fig.suptitle(title)
    return fig


@with_fonts
def early_stopping_figure(history, best_epoch, stop_epoch, patience, test_name="validation",
                          title="Early stopping: keep the weights of the best validation epoch",
                          width=11, height=4.8):
    """Train and validation accuracy of a full run, with the epoch early stopping keeps
    (best_epoch) and the epoch where it stops (stop_epoch, after `patience` epochs without a gain)."""
    fig, ax = new_figure(width, height)
    ax.plot(history.epoch, history.train_acc, color=TRAIN_COLOR, lw=2, label="train")
    ax.plot(history.epoch, history.test_acc, color=TEST_COLOR, lw=2, ls="--", label=test_name)
    ax.axvspan(stop_epoch, history.epoch[-1], color="0.85", alpha=0.6, label="epochs early stopping skips")
    ax.axvline(best_epoch, color="#2ca02c", lw=2, label=f"best {test_name} epoch ({best_epoch}): weights kept")
    ax.axvline(stop_epoch, color="k", lw=1.5, ls=":", label=f"stop: {patience} epochs without a gain ({stop_epoch})")
    ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02), title=title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return fig


@with_fonts
def comparison_figure(records, keys=("val_acc", "test_acc"), ylim=None, baseline="none",
                      title="Regularizers at equal compute: one dot per seed, joined across the methods",
                      names=None, width=13, height=5.2, differences=False):
    """Paired dot plot: one panel per key (validation, test, ...), one column per method.

    Each seed is a dot, and the dots of one seed are joined across the methods (the same seed means
    the same initial weights and mini-batch order, so the lines show the paired differences).
    Beside each column: the mean over the seeds with an error bar of ±1 standard deviation.
    The baseline method's mean is a dotted line across the panel.  ylim None zooms to the data.
    differences: add a last panel with each seed's difference from the baseline (the last key),
    a line at 0, and the mean difference ± 2 standard errors (sd of the differences / √seeds):
    what the paired rule (lib.search.paired_verdict) judges.  The shared legend, beside the last
    panel, then names the panels each entry belongs to.

    records: a list of dicts with 'method', 'seed' and the keys (lib.search.compare_methods).
    """
    names = {"train_acc": "train", "val_acc": "validation", "test_acc": "test", **(names or {})}
    methods = list(dict.fromkeys(r["method"] for r in records))
    seeds = list(dict.fromkeys(r["seed"] for r in records))
    fig, axes = new_figure(width, height, ncols=len(keys) + bool(differences), sharey=False, squeeze=False)
    if ylim is not None and len(keys) > 1:
        for ax in axes[0][1:len(keys)]:
            ax.sharey(axes[0][0])
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#d62728", "#7f7f7f"]
    xs = np.arange(len(methods))
    for ax, key in zip(axes[0], keys):
        table = np.full((len(seeds), len(methods)), np.nan)
        for r in records:
            if r.get(key) is not None:
                table[seeds.index(r["seed"]), methods.index(r["method"])] = r[key]
        for i, seed in enumerate(seeds):
            ax.plot(xs - 0.08, table[i], color=colors[i % len(colors)], lw=1.2, alpha=0.6, marker="o", ms=6,
                    label=f"seed {seed}")
        mean = np.nanmean(table, axis=0)
        std = np.nanstd(table, axis=0, ddof=1) if len(seeds) > 1 else np.zeros(len(methods))
        ax.errorbar(xs + 0.18, mean, yerr=std, fmt="D", color="k", ms=7, capsize=5, lw=2, label="mean ± 1 sd")
        if baseline in methods:
            ax.axhline(mean[methods.index(baseline)], color="k", ls=":", lw=1.5, label=f"mean of '{baseline}'")
        ax.set_xticks(xs, methods, rotation=20)
        ax.set(ylabel=f"{names.get(key, key)} accuracy", title=names.get(key, key))
        if ylim is not None:
            ax.set_ylim(*ylim)
        else:
            low, high = np.nanmin(table), np.nanmax(table)
            pad = max(0.1 * (high - low), 0.005)
            ax.set_ylim(low - pad, high + pad)
        ax.grid(alpha=0.3, axis="y")
    handles, labels = axes[0][0].get_legend_handles_labels()
    if differences and baseline in methods:
        ax = axes[0][-1]
        others = [m for m in methods if m != baseline]
        d = table[:, [methods.index(m) for m in others]] - table[:, [methods.index(baseline)]]
        xo = np.arange(len(others))
        for i, seed in enumerate(seeds):
            ax.plot(xo - 0.08, d[i], "o", color=colors[i % len(colors)], ms=5, alpha=0.7)
        n = np.sum(~np.isnan(d), axis=0)
        se = np.nanstd(d, axis=0, ddof=1) / np.sqrt(np.maximum(n, 1))
        ax.errorbar(xo + 0.18, np.nanmean(d, axis=0), yerr=2 * se, fmt="D", color="k", ms=7, capsize=5, lw=2,
                    label="differences: mean ± 2 SE")
        ax.axhline(0, color="k", ls=":", lw=1.5, label="differences: 0 (no difference)")
        ax.set_xticks(xo, others, rotation=20)
        ax.set(ylabel=f"{names.get(keys[-1], keys[-1])} accuracy minus '{baseline}'",
               title=f"paired differences ({names.get(keys[-1], keys[-1])}): mean ± 2 SE")
        ax.grid(alpha=0.3, axis="y")
        # The shared legend sits beside this panel: say which entries belong to which panels.
        shown = ", ".join(names.get(k, k) for k in keys)
        labels = [label if label.startswith("seed ") else f"{shown}: {label}" for label in labels]
        more_handles, more_labels = ax.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    axes[0][-1].legend(handles, labels, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=10)
    fig.suptitle(title)
    return fig


@with_fonts
def strength_figure(searches, baseline=None, budget=None, chosen=None, ylim=None,
                    title="Validation accuracy against the strength (mean over seeds ± 1 sd)", width=14, height=5):
    """One panel per method: the mean validation accuracy of every grid value of a
    lib.search.search_until_interior result, ±1 sd over the seeds, the first grid as filled
    circles and the values added by the extension as open squares; the best value is ringed.

    searches: {panel title: result}.  A 'dropout_ratio' search gets a linear axis, others a log axis.
    baseline: validation accuracies (one per seed) without regularization: a dotted line and a band.
    budget: {panel title: lr * steps}: adds a top axis with the decay budget lr * λ * steps.
    chosen: {panel title: value}: the value carried forward (if not the best), marked with a star.
    ylim: zoom; a mean below it is drawn on the bottom edge as a triangle with its value.
    """
    fig, axes = new_figure(width, height, ncols=len(searches), sharey=True, squeeze=False)
    for ax, (panel, res) in zip(axes[0], searches.items()):
        v, m, sd = (np.asarray(res[k], dtype=float) for k in ("values", "scores", "stds"))
        first = set(res["rounds"][0][0])
        low, high = ylim if ylim is not None else (min(m.min(), 0.0) - 0.01, max(m.max(), 0.0) + 0.01)
        if baseline is not None:
            base = np.asarray(baseline, dtype=float)
            ax.axhspan(base.min(), base.max(), color="k", alpha=0.07)
            ax.axhline(base.mean(), color="k", ls=":", lw=1.5, label="no regularization (mean, range)")
        ax.errorbar(v, np.clip(m, low, high), yerr=np.where(m < low, 0, sd), color="#1f77b4", lw=1.5, capsize=4,
                    zorder=2)
        for x, y in zip(v, m):
            shown = max(y, low)
            marker = "v" if y < low else ("o" if x in first else "s")
            ax.scatter([x], [shown], marker=marker, s=70, zorder=3, color="#1f77b4" if x in first else "white",
                       edgecolor="#1f77b4", linewidth=2)
            if y < low:
                ax.annotate(f"{y:.2f}", (x, shown), textcoords="offset points", xytext=(6, 4), fontsize=10)
        i = res["values"].index(res["best"])
        ax.scatter([v[i]], [m[i]], s=330, facecolor="none", edgecolor="#d62728", lw=2.5, zorder=4,
                   label=f"best {res['best']:g} ({res['position']}, {i + 1} of {len(v)})")
        if chosen is not None and panel in chosen and chosen[panel] != res["best"]:
            j = res["values"].index(chosen[panel])
            ax.scatter([v[j]], [m[j]], s=260, marker="*", color="#2ca02c", edgecolor="k", zorder=5,
                       label=f"carried forward: {chosen[panel]:g}")
        if len(v) > len(first):
            ax.scatter([], [], marker="s", color="white", edgecolor="#1f77b4", lw=2, label="added by extending")
        if res["key"] != "dropout_ratio":
            ax.set_xscale("log")
        ax.set(xlabel=f"{res['key']}" + (" (log scale)" if res["key"] != "dropout_ratio" else ""), title=panel,
               ylim=(low, high))
        if budget is not None and panel in budget:
            k = float(budget[panel])
            top = ax.secondary_xaxis("top", functions=(lambda x, k=k: x * k, lambda b, k=k: b / k))
            top.set_xlabel("budget ηλT")
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="lower left", fontsize=10)
    axes[0][0].set_ylabel("validation accuracy")
    fig.suptitle(title)
    return fig


@with_fonts
def shrinkage_figure(demo, title="How much the penalty pulls each weight toward 0", width=13, height=4.8):
    """lib.search.shrinkage_demo's result: the shrinkage caused by the penalty,
    w(no penalty) - w(with penalty), over the steps; one panel per optimizer, one line per weight."""
    fig, axes = new_figure(width, height, ncols=2, sharey=True)
    steps = demo["steps"]
    colors = ["#9467bd", "#2ca02c", "#ff7f0e", "#8c564b"]
    styles = ["-", "--", "-.", ":"]   # dashed too, so that equal curves stay visible on top of each other
    panels = (("adam+L2", "Adam + L2 term in the loss"), ("adamw", "AdamW (decoupled decay)"))
    for ax, (kind, name) in zip(axes, panels):
        shrink = demo["none"] - demo[kind]
        for i, scale in enumerate(demo["scales"]):
            ax.plot(steps[1:], np.maximum(shrink[1:, i], 1e-6), color=colors[i % 4], lw=2.5, ls=styles[i % 4],
                    label=f"weight with gradient noise ~{scale:g}")
        ax.set_yscale("log")
        ax.set(xlabel="step", title=name)
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="lower right")
    axes[0].set_ylabel("shrinkage  w(no penalty) − w(penalty)")
    fig.suptitle(title)
    return fig


@with_fonts
def size_figure(summary, sizes, keys=("val_acc",), ylabel="validation accuracy",
                title="What regularization buys as the training set grows", width=13, height=4.8):
    """Left: accuracy against the training-set size for each method (mean ± std over seeds);
    right: each method's gain over 'none' in percentage points, ± sqrt(sd_method² + sd_none²).

    summary: {size: {method: {key: (mean, std)}}} (lib.search.summarize per size); sizes: the sizes.
    """
    key = keys[0]
    methods = list(next(iter(summary.values())).keys())
    colors = ["#7f7f7f", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    fig, (ax, ax2) = new_figure(width, height, ncols=2)
    for i, m in enumerate(methods):
        mean = np.array([summary[n][m][key][0] for n in sizes])
        std = np.array([summary[n][m][key][1] for n in sizes])
        ax.errorbar(sizes, mean, yerr=std, color=colors[i % 6], lw=2, marker="o", capsize=4, label=m)
        if m != methods[0]:
            base = np.array([summary[n][methods[0]][key][0] for n in sizes])
            base_std = np.array([summary[n][methods[0]][key][1] for n in sizes])
            ax2.errorbar(sizes, 100 * (mean - base), yerr=100 * np.sqrt(std ** 2 + base_std ** 2), color=colors[i % 6],
                         lw=2, marker="o", capsize=4, label=m)
    ax2.axhline(0, color=colors[0], lw=2, label=methods[0])
    for a in (ax, ax2):
        a.set_xscale("log")
        a.set_xticks(sizes, [f"{n:,}" for n in sizes])
        a.minorticks_off()
        a.grid(alpha=0.3)
        a.set_xlabel("training images (log scale)")
    ax.set(ylabel=ylabel, title="accuracy (mean ± std over seeds)")
    ax2.set(ylabel=f"gain over '{methods[0]}' (percentage points)",
            title="what the regularizer adds (± the two sds combined)")
    ax.legend(loc="lower right")
    ax2.legend(loc="best")
    fig.suptitle(title)
    return fig


def _register_png_formatter():
    """In IPython, show a Figure that ends a cell as a PNG (no pyplot needed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    ip = get_ipython()
    if ip is not None:
        ip.display_formatter.formatters["image/png"].for_type(Figure, lambda fig: to_png(fig, dpi=90))


_register_png_formatter()
