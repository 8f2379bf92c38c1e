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
    """Histogram of weights with the share at about zero (|w| < zero_tol) in the legend."""
    w = np.asarray(weights).ravel()
    limit = limit or float(np.percentile(np.abs(w), 99.5)) or 1.0
    share = float(np.mean(np.abs(w) < zero_tol))
    ax.hist(np.clip(w, -limit, limit), bins=bins, range=(-limit, limit), color=color, alpha=0.8,
            label=f"{label + ': ' if label else ''}{share:.0%} with |w| < {zero_tol:g}")
    ax.set_xlabel("weight value")
    ax.set_ylabel("count")
    ax.legend(loc="upper right")
    return share


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
