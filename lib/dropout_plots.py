"""Figures of chapter 3 (dropout).  Every function returns a matplotlib Figure (object API, no
pyplot), drawn with the projector-sized fonts of lib/plots.py.

    mask_figure            activations, mask and output of one Dropout layer on a batch
    gradcheck_figure       backprop against numerical gradient, entry by entry
    expectation_figure     average over T masks -> test-time output, for both dropout modes
    runs_figure            train/test curves of several runs, one panel per setting
    mc_convergence_figure  MC-dropout average against T: agreement with the eval-mode network
    mc_digits_figure       digits with the class probabilities of many masks (mean and spread)
    error_flag_figure      how well uncertainty scores flag wrong predictions: error rate by
                           quartile of each score, and ROC curves with their areas
    ratio_sweep_figure     validation and train accuracy against the dropout ratio (with a zoom)
"""
import numpy as np

from .plots import TEST_COLOR, new_figure, with_fonts

RUN_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"]
SEED_MARKERS = ["o", "s", "^", "D", "v", "P", "X"]   # one per seed, the same in every sweep


@with_fonts
def mask_figure(h, mask, ratio, units=40, title=None, width=13, height=4.2):
    """Three heatmaps of one Dropout layer on a batch: the activations h (N, H) that enter it, its
    mask (0 for a dropped unit, the scale for a kept one) and the output h * mask.
    Only the first `units` units are drawn; the share of kept units in the title counts all H."""
    h, mask = np.asarray(h), np.asarray(mask)
    if h.shape != mask.shape or h.ndim != 2:
        raise ValueError(f"h and mask must be 2-D arrays of one shape (N, H), got {h.shape} and {mask.shape}")
    kept = float(np.mean(mask != 0))                 # over all H units, as the notebook prints it
    n_units = mask.shape[1]
    h, mask = h[:, :units], mask[:, :units]
    out = h * mask
    vmax = float(max(out.max(), h.max(), 1e-12))
    fig, axes = new_figure(width, height, ncols=3)
    scale = float(mask.max()) if kept else 0.0
    panels = [(h, "activations entering the layer", "Greys", 0, vmax),
              (mask, f"mask: 0 = dropped, {scale:.3g} = kept\n({kept:.0%} of all {n_units} units kept)",
               "Greys", 0, max(scale, 1e-12)),
              (out, "output = activations × mask", "Greys", 0, vmax)]
    for ax, (data, name, cmap, lo, hi) in zip(axes, panels):
        im = ax.imshow(data, cmap=cmap, vmin=lo, vmax=hi, aspect="auto", interpolation="nearest")
        ax.set_title(name)
        ax.set_xlabel("hidden unit")
        fig.colorbar(im, ax=ax, shrink=0.85)
    axes[0].set_ylabel("example in the batch")
    fig.suptitle(title or f"One Dropout layer on a batch of {len(h)} digits (ratio {ratio:g})", fontsize=14)
    return fig


@with_fonts
def gradcheck_figure(cases, title="Gradient check: backprop against central differences", width=12, height=4.8):
    """One scatter panel per case {title: (backprop grads, numerical grads)} (dicts of arrays):
    every parameter entry is a dot at (backprop, numerical).  On the diagonal = they agree."""
    if not cases:
        raise ValueError("cases is empty: give {title: (backprop dict, numerical dict)}")
    fig, axes = new_figure(width, height, ncols=len(cases), squeeze=False)
    for ax, (name, (backprop, numerical)) in zip(axes[0], cases.items()):
        a = np.concatenate([np.ravel(backprop[k]) for k in backprop])
        n = np.concatenate([np.ravel(numerical[k]) for k in backprop])
        rel = np.abs(a - n).max() / max(np.max(np.abs(a) + np.abs(n)), 1e-300)
        ax.scatter(a, n, s=14, alpha=0.6, color=RUN_COLORS[0])
        lim = max(np.abs(a).max(), 1e-12) * 1.1
        ax.plot([-lim, lim], [-lim, lim], color="black", lw=1, ls="--", label="numerical = backprop")
        ax.set_xlim(-lim, lim)
        low, high = min(n.min(), -lim), max(n.max(), lim)
        ax.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
        ax.set_xlabel("backprop gradient")
        ax.set_ylabel("numerical gradient")
        ax.set_title(f"{name}\nrelative difference {rel:.1e}")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=10)
    fig.suptitle(title, fontsize=14)
    return fig


@with_fonts
def expectation_figure(counts, errors, title=None, width=9, height=4.8):
    """How far the average of T training-time outputs is from the test-time output, against T.

    counts: the T values (K,); errors: {label: relative errors (K,)}.  A reference line falls
    as 1/sqrt(T), the rate of any average of independent draws."""
    counts = np.asarray(counts, dtype=float)
    fig, ax = new_figure(width, height)
    styles = [dict(lw=6, ms=11, alpha=0.45), dict(lw=2, ms=6, ls="--")]   # wide below, dashed on top:
    for (label, err), color, marker, style in zip(errors.items(), RUN_COLORS, "os^v", styles * 2):  # both show
        ax.plot(counts, err, marker=marker, color=color, label=label, **style)
    first = max(float(np.max([np.asarray(e)[0] for e in errors.values()])), 1e-12)
    ax.plot(counts, first * np.sqrt(counts[0] / counts), color="grey", ls=":", lw=2, label=r"$\propto 1/\sqrt{T}$")
    ax.set(xscale="log", yscale="log", xlabel="number of masks T averaged (log scale)",
           ylabel="|mean of T outputs − test output|\n/ mean test output",
           title=title or "Training-time outputs average to the test-time output")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower left")
    return fig


@with_fonts
def runs_figure(panels, title=None, test_name="test", width=13, height=5, sharey=True):
    """Train (solid) and test (dashed) accuracy of several runs, one panel per setting.

    panels: {panel title: {run label: History}}; the runs of a panel get one colour each, and the
    last test accuracy of each run is written at the end of its dashed line."""
    if not panels:
        raise ValueError("panels is empty: give {panel title: {label: History}}")
    fig, axes = new_figure(width, height, ncols=len(panels), squeeze=False, sharey=sharey)
    for ax, (name, runs) in zip(axes[0], panels.items()):
        written = []   # end values already written, to keep close labels apart
        for (label, h), color in zip(runs.items(), RUN_COLORS):
            if not (h.train_acc and h.test_acc):
                raise ValueError(f"the run {label!r} in {name!r} has no train or {test_name} accuracy to draw")
            ax.plot(h.epoch, h.train_acc, color=color, lw=2.2, label=f"{label}: train")
            ax.plot(h.epoch, h.test_acc, color=color, lw=2.2, ls="--", label=f"{label}: {test_name}")
            end = h.test_acc[-1]
            shift = -13 * sum(abs(end - w) < 0.025 for w in written)
            written.append(end)
            ax.annotate(f"{end:.3f}", (h.epoch[-1], end), xytext=(4, shift),
                        textcoords="offset points", va="center", color=color, fontsize=11)
        last = max(h.epoch[-1] for h in runs.values())
        ax.set(xlabel="epoch", xlim=(0, last * 1.15), ylim=(0, 1.02), title=name)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=10)
    axes[0, 0].set_ylabel("accuracy")
    if title:
        fig.suptitle(title, fontsize=14)
    return fig


@with_fonts
def mc_convergence_figure(counts, agreement, mean_abs_diff, mc_accuracy=None, eval_accuracy=None,
                          title="MC dropout: averaging T masked networks", width=13, height=4.8):
    """Left: share of inputs on which the T-mask average predicts the eval-mode class (and, if
    given, the accuracy of the average, with the eval-mode accuracy as a line).  Right: the mean
    |average of T - eval-mode probability|, on a y axis from 0."""
    counts = np.asarray(counts, dtype=float)
    fig, (ax, ax2) = new_figure(width, height, ncols=2)
    ax.plot(counts, agreement, "o-", color=RUN_COLORS[2], lw=2.2, label="same class as the eval-mode network")
    if mc_accuracy is not None:
        ax.plot(counts, mc_accuracy, "s-", color=TEST_COLOR, lw=2.2, label="test accuracy of the T-mask average")
    if eval_accuracy is not None:
        ax.axhline(eval_accuracy, color=TEST_COLOR, ls=":", lw=2, label=f"test accuracy, eval mode ({eval_accuracy:.3f})")
    ax.set(xscale="log", xlabel="number of masks T (log scale)", ylabel="share of test images",
           title="Predicted class")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="center right", fontsize=10)
    ax2.plot(counts, mean_abs_diff, "o-", color=RUN_COLORS[4], lw=2.2, label="MC average vs eval mode")
    ax2.set_ylim(0, max(mean_abs_diff) * 1.15)     # from 0: the average does not go to 0
    ax2.set(xscale="log", xlabel="number of masks T (log scale)",
            ylabel="mean |p(MC) − p(eval)|", title="Class probabilities")
    ax2.grid(alpha=0.3, which="both")
    ax2.legend(loc="upper right", fontsize=10)
    fig.suptitle(title, fontsize=14)
    return fig


@with_fonts
def mc_digits_figure(images, samples, labels, notes=None, title=None, width=None, height=5.2):
    """For each digit: the image, and below it the mean class probability over the masks (bars)
    with the spread from the 10th to the 90th percentile of the masks (whiskers).
    The true class is a green bar, the others grey.

    images (k, 784) or (k, 28, 28); samples (T, k, C) from mc_samples; labels (k,) true classes;
    notes: optional line per digit under the image."""
    images = np.asarray(images).reshape(len(images), 28, 28)
    samples = np.asarray(samples)
    k, C = len(images), samples.shape[2]
    if samples.shape[1] != k or len(labels) != k:
        raise ValueError(f"{k} images, but samples has shape {samples.shape} and labels has {len(labels)} entries")
    fig, axes = new_figure(width or 1.75 * k, height, ncols=k, nrows=2, squeeze=False,
                           gridspec_kw={"height_ratios": [1, 1.25]})
    mean = samples.mean(axis=0)
    lo, hi = np.percentile(samples, 10, axis=0), np.percentile(samples, 90, axis=0)
    classes = np.arange(C)
    for i in range(k):
        top, bottom = axes[0, i], axes[1, i]
        top.imshow(images[i], cmap="gray_r")
        top.set_xticks([])
        top.set_yticks([])
        top.set_title(f"label {labels[i]}" + (f"\n{notes[i]}" if notes is not None else ""), fontsize=11)
        colors = ["#2ca02c" if c == labels[i] else "#7f7f7f" for c in classes]
        bottom.bar(classes, mean[i], color=colors)
        bottom.vlines(classes, lo[i], hi[i], color="black", lw=1.4)     # 10th to 90th percentile of the masks
        bottom.set_ylim(0, 1.05)
        bottom.set_xticks(classes)
        bottom.tick_params(axis="x", labelsize=8)
        bottom.set_xlabel("class", fontsize=10)
        if i == 0:
            bottom.set_ylabel("probability\n(mean, 10–90% of masks)", fontsize=10)
        else:
            bottom.set_yticklabels([])
    if title:
        fig.suptitle(title, fontsize=14)
    return fig


@with_fonts
def error_flag_figure(flags, title=None, width=13, height=5):
    """How well each uncertainty score flags wrong predictions.

    flags: {label: (score (N,), wrong (N,) booleans)}, higher score = "more doubtful", wrong =
    the prediction the score belongs to is wrong.  Left: error rate in each quarter of the images
    sorted by the score (grouped bars).  Right: the ROC curve of each score (share of the errors
    flagged against share of the correct answers flagged, as the threshold falls), with its area
    (lib.mc_dropout.auroc) in the legend; the diagonal is chance."""
    from .mc_dropout import auroc
    if not flags:
        raise ValueError("flags is empty: give {label: (score, wrong)}")
    fig, (ax, ax2) = new_figure(width, height, ncols=2)
    width_bar = 0.8 / len(flags)
    for k, ((label, (score, wrong)), color) in enumerate(zip(flags.items(), RUN_COLORS)):
        score, wrong = np.asarray(score, dtype=float), np.asarray(wrong, dtype=bool)
        quarter = np.searchsorted(np.quantile(score, [0.25, 0.5, 0.75]), score)
        rates = [100 * wrong[quarter == q].mean() for q in range(4)]
        x = np.arange(4) + (k - (len(flags) - 1) / 2) * width_bar
        bars = ax.bar(x, rates, width_bar, color=color, label=label)
        ax.bar_label(bars, fmt="%.1f", fontsize=10, padding=2)
        order = np.argsort(-score, kind="mergesort")
        hits = np.concatenate([[0], np.cumsum(wrong[order])]) / max(wrong.sum(), 1)
        false = np.concatenate([[0], np.cumsum(~wrong[order])]) / max((~wrong).sum(), 1)
        ax2.plot(false, hits, color=color, lw=2.4, label=f"{label}: area {auroc(score, wrong):.3f}")
    ax.set_xticks(range(4), ["lowest\n25%", "second\n25%", "third\n25%", "highest\n25%"])
    ax.set(xlabel="quarter of the test images, sorted by the score", ylabel="error rate (%)",
           title="Error rate by quarter of the score")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(loc="upper left", fontsize=10)
    ax2.plot([0, 1], [0, 1], color="grey", ls=":", lw=1.5, label="chance: area 0.5")
    ax2.set(xlabel="share of the correct predictions flagged", ylabel="share of the errors flagged",
            xlim=(0, 1), ylim=(0, 1.01), title="ROC curve: flag the images above a threshold")
    ax2.grid(alpha=0.3)
    ax2.legend(loc="lower right", fontsize=10)
    if title:
        fig.suptitle(title, fontsize=14)
    return fig


@with_fonts
def ratio_sweep_figure(all_ratios, sweeps, chosen=None, title=None, ylim=None, zoom_ratios=None,
                       seed_labels=None, width=11, height=5.2):
    """Accuracy against the dropout ratio (linear axis).

    all_ratios: the ratios (K,) of every sweep, unless a sweep gives its own under the key "ratios".
    sweeps: {label: {"validation": scores (K, n_seeds), "train": scores (K, n_seeds)}}: validation
    drawn solid with a band from the lowest to the highest seed, train dotted.  Each label gets
    a colour.  chosen: a ratio to mark with a dashed vertical line.
    zoom_ratios: if given, a second panel shows the validation accuracy of every seed (one thin
    line per seed, paired across ratios, and the mean) for these ratios only, with the y axis
    zoomed to those values, so that differences of a point are visible next to the seed spread.
    Each seed has its own marker in every sweep, so a seed can be followed from one sweep to the
    other; seed_labels names them in the legend (default: seed 0, seed 1, ...)."""
    fig, axes = new_figure(width * (1.8 if zoom_ratios is not None else 1), height,
                           ncols=2 if zoom_ratios is not None else 1, squeeze=False)
    ax = axes[0, 0]
    for (label, rows), color in zip(sweeps.items(), RUN_COLORS):
        ratios = np.asarray(rows.get("ratios", all_ratios), dtype=float)
        for row, style in (("validation", "o-"), ("train", "s:")):
            if row not in rows:
                continue
            scores = np.asarray(rows[row], dtype=float)
            if scores.ndim != 2 or len(scores) != len(ratios):
                raise ValueError(f"{label!r}/{row!r}: scores must have shape (len(ratios), n_seeds) = "
                                 f"({len(ratios)}, n_seeds), got {scores.shape}")
            if row == "validation":
                ax.fill_between(ratios, scores.min(axis=1), scores.max(axis=1), color=color, alpha=0.15)
            ax.plot(ratios, scores.mean(axis=1), style, color=color, lw=2.4 if row == "validation" else 1.8,
                    ms=7 if row == "validation" else 5, label=f"{label}: {row}")
    if chosen is not None:
        ax.axvline(chosen, color="black", ls="--", lw=1.5, label=f"best on validation: {chosen:g}")
    ax.set(xlabel="dropout ratio p", ylabel="accuracy (mean of the seeds)",
           title=title or "Accuracy against the dropout ratio")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=10, ncol=2)
    if zoom_ratios is None:
        return fig
    zoom = axes[0, 1]
    low, high = np.inf, -np.inf
    for (label, rows), color in zip(sweeps.items(), RUN_COLORS):
        ratios = np.asarray(rows.get("ratios", all_ratios), dtype=float)
        pick = np.isin(ratios, zoom_ratios)
        scores = np.asarray(rows["validation"], dtype=float)[pick]
        for k, seed_scores in enumerate(scores.T):
            zoom.plot(ratios[pick], seed_scores, "-", marker=SEED_MARKERS[k % len(SEED_MARKERS)], color=color,
                      lw=1, ms=6, alpha=0.55)
        zoom.plot(ratios[pick], scores.mean(axis=1), "o-", color=color, lw=2.8, ms=8, label=f"{label}: mean")
        low, high = min(low, scores.min()), max(high, scores.max())
        n_seeds = scores.shape[1]
    names = list(seed_labels) if seed_labels is not None else [f"seed {k}" for k in range(n_seeds)]
    for k in range(n_seeds):
        zoom.plot([], [], "-", marker=SEED_MARKERS[k % len(SEED_MARKERS)], color="grey", lw=1, ms=6,
                  label=f"{names[k]} (thin)" if k < len(names) else f"seed {k}")
    margin = 0.1 * (high - low) + 1e-3
    zoom.set_ylim(low - margin, high + margin)
    zoom.set_xticks(np.asarray(zoom_ratios, dtype=float))
    zoom.set(xlabel="dropout ratio p", ylabel="validation accuracy",
             title=f"Zoom: validation accuracy, every seed (y from {low - margin:.2f})")
    zoom.grid(alpha=0.3)
    zoom.legend(loc="lower left", fontsize=9, ncol=2)
    return fig
