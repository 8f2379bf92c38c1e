"""Live panels: release a slider and watch the network train again, over a faint reference run.

    from lib.panel import overfitting_panel, penalty_panel, dropout_panel
    penalty_panel()                           # last line of a cell: shows the panel and trains
    penalty_panel(penalty="L2", lam=0.1)      # ... starting at another setting

Every panel trains the book's experiment (section 6.4): 300 training images, a 784-100x6-10 ReLU
network, SGD lr 0.01, batch 100, a fixed 200 epochs, seed 0; accuracy is recorded every 8 epochs,
on the training images and on a fixed subset of 2,000 test images.  When a control changes:
  1. a setting trained before comes from `panel.cache` at once; otherwise the status line says what
     is trained (within milliseconds) and `train()` runs inside the widget's callback, whose
     per-epoch callback redraws the curves at most every 0.25 s;
  2. every change starts a new "generation"; a run of an older one is stale: it stops, and the
     current setting is trained, so the picture always matches the controls.
Training in the callback works in every front end (JupyterLab, Notebook 7, VS Code, Colab).  The
opt-in background=True trains in a thread, so that a new value stops a run at once (Colab does not
show widget updates made from threads).  Pictures are matplotlib Figures (never pyplot) turned into
PNG bytes for an ipywidgets.Image: no ipympl, no Output widget, ipywidgets 7.7 and 8.x alike.
Your own panel: LivePanel(controls, build, side_view, reference), as the factories at the end do.
"""
import html
import io
import itertools
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from .data import load_mnist, take
from .net import MultiLayerNet
from .plots import TEST_COLOR, TRAIN_COLOR, to_png
from .progress import Status
from .train import History, train

EPOCHS, EVAL_EVERY, N_TEST = 200, 8, 2000
FIRST_DRAW, DRAW_EVERY = 0.1, 0.25      # seconds of training before the first picture; then between pictures
ZERO_TOL = 1e-3                         # |w| below this counts as "about zero"
_DATA, _DATA_LOCK = None, threading.Lock()


def panel_data():
    """((x_train, t_train), (x_test, t_test)): the 5,000 bundled training images and a fixed
    2,000-image test subset (seed 0); loaded once per process."""
    global _DATA
    with _DATA_LOCK:
        if _DATA is None:
            (x, t), (x_test, t_test) = load_mnist()
            _DATA = (x, t), take(x_test, t_test, N_TEST, seed=0)
    return _DATA


@dataclass
class Run:
    """One training run of a panel: the setting, its History, the net, the final picture."""
    settings: dict
    history: History
    net: object = None
    seconds: float = 0.0
    png: bytes = b""

    def summary(self):
        h = self.history
        return f"train {h.train_acc[-1]:.3f}, test {h.test_acc[-1]:.3f} after {h.epoch[-1]} epochs"


class LivePanel:
    """Controls that retrain a network, with curves, a side view, a status line and a cache.

    controls:  {setting name: ipywidgets control}; settings() reads their values.
    build(settings) -> a MultiLayerNet, or (net, {extra train() arguments, e.g. "lr": 0.1}).
               A setting named n_train is the number of training images (default 300).
    side_view(ax, epochs) -> update(current, reference): draws the small view (gap_view, weights_view).
    reference: the setting drawn faintly under every picture (e.g. no regularization).
    describe(settings) -> a short text for titles and the status line.
    normalize(settings) -> the setting actually trained, so that equal runs share a cache entry.
    start:     {name: value} to begin with; background: train in a thread (see the module doc).
    """

    def __init__(self, controls, build, side_view, reference, describe=None, normalize=None, start=None,
                 name="panel", epochs=EPOCHS, eval_every=EVAL_EVERY, background=False, dpi=85):
        self.controls, self.build, self.name = dict(controls), build, name
        self.epochs, self.eval_every, self.background, self.dpi = epochs, eval_every, background, dpi
        self.describe = describe or (lambda s: ", ".join(f"{k} = {v}" for k, v in s.items()))
        self.normalize = normalize or dict
        self.reference = self._checked(reference, "reference", complete=True)
        for name, value in self._checked(start or {}, "start").items():
            self.controls[name].value = value
        self.cache = {}          # key(settings) -> Run
        self.runs = []           # a record of every training run: settings, outcome, seconds
        self.last_error = None
        self._generation = 0     # goes up at every change of the controls
        self._lock = threading.RLock()
        self._quiet = False      # set() moves several controls without a run for each
        self._busy = False       # a refresh() is running (it also shows any newer setting)

        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.status = widgets.HTML(layout=widgets.Layout(flex="1 1 auto"))
        self.export_button = widgets.Button(description="Save PNG", icon="download",
                                            tooltip="save the figure as a PNG file for slides")
        self.export_button.on_click(lambda button: self._guarded(self.export_png))
        note = widgets.HTML(f"<small>{epochs} epochs (fixed) · test curve on {N_TEST:,} test images</small>")
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        row = widgets.HBox(list(self.controls.values()) + [note], layout=widgets.Layout(flex_flow="row wrap"))
        self.widget = widgets.VBox([row, self.image, widgets.HBox([self.status, self.export_button])])
        self._make_figure(side_view)
        panel_data()             # load the data now, not at the first slider move
        self.image.value = self._render(Run(self.settings(), History()), "not trained yet")
        self._say("Not trained yet.")

    # --- what a notebook uses --------------------------------------------------------------------
    def _ipython_display_(self):
        """At the end of a cell: show the widgets, then show (or train) the current setting."""
        from IPython.display import display
        display(self.widget)
        self.refresh()

    def settings(self):
        """The current values of the controls, {name: value}."""
        return {name: control.value for name, control in self.controls.items()}

    def set(self, **values):
        """Move several controls at once (panel.set(penalty="L2", lam=0.1)), then show that setting."""
        values = self._checked(values, "set()")
        self._quiet = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._quiet = False
        self._on_change()

    def refresh(self):
        """Show the current setting, from the cache or by training it; again if the controls moved.

        Errors appear in the status line.  If a refresh() already runs (in another thread), return
        at once: that one sees the new generation and shows the new setting."""
        with self._lock:
            if self._busy:
                return
            self._busy = True
        try:
            while True:
                with self._lock:
                    generation = self._generation
                self._guarded(lambda: self._show(self.settings(), generation))
                with self._lock:
                    if generation == self._generation:    # nothing moved meanwhile: done
                        self._busy = False
                        return
        except BaseException:    # e.g. KeyboardInterrupt: do not leave the panel busy for ever
            self._busy = False
            raise

    def precompute(self, settings_list=(), **grid):
        """Train settings in advance, so that moving the controls to them is instant (for a class).

        panel.precompute([{"penalty": "L2", "lam": 0.1}, {"penalty": "L1", "lam": 0.001}])
        panel.precompute(penalty=["L1", "L2"], lam=[0.001, 0.01, 0.1])     # every combination
        Names left out keep their current values.  Progress shows in the status line and below the cell.
        """
        if isinstance(settings_list, dict):
            raise TypeError("settings_list must be a list of settings, e.g. [{'lam': 0.1}], got one dict")
        combos = [dict(zip(grid, values)) for values in itertools.product(*grid.values())] if grid else []
        todo = [self._checked({**self.settings(), **dict(s)}, "precompute()") for s in list(settings_list) + combos]
        counts, start = {"trained": 0, "cached": 0, "failed": 0}, time.perf_counter()
        line = Status("Precomputing", len(todo))      # a progress line below the cell, too
        for i, settings in enumerate(todo):
            what = self.describe(self.normalize(settings))
            self._say(f"⏳ Precomputing {i + 1}/{len(todo)}: {html.escape(what)} ...")
            line.update(i, what)
            if self._key(settings) in self.cache:
                counts["cached"] += 1
                continue
            run = self._guarded(lambda: self._ensure_reference(None, settings) and
                                self._train(settings, None, live=False), what)
            counts["trained" if run else "failed"] += 1
        line.finish()
        self.refresh()
        summary = (f"Precomputed {len(todo)} setting(s) in {time.perf_counter() - start:.1f} s: "
                   + ", ".join(f"{n} {outcome}" for outcome, n in counts.items()))
        if counts["failed"]:       # say so, with the last error
            self._say(f'<span style="color:#c00"><b>⚠ {summary}.</b> Last error: '
                      f'{html.escape(f"{type(self.last_error).__name__}: {self.last_error}")}</span>')
        elif self.status.value.startswith("✅"):
            self._say(f"✅ {summary}. Moving the controls to them is now instant.")

    def export_png(self, path=None, dpi=150):
        """Save the current picture as a PNG for slides; the default file name encodes the settings.
        Returns the path; the status line says where the file is."""
        settings = self.normalize(self.settings())
        run = self.cache.get(self._key(settings))
        if run is None:
            raise RuntimeError("the current setting has not finished training; save it when it is done")
        if path is None:
            words = [self.name] + [f"{k}-{v}" for k, v in sorted(settings.items())] + [f"{self.epochs}epochs"]
            path = re.sub(r"[^A-Za-z0-9_.-]+", "", "_".join(words)) + ".png"
        path = Path(path).resolve()
        path.write_bytes(self._render(run, dpi=dpi))
        self._say(f"✅ Saved the figure as {html.escape(str(path))}")
        return path

    # --- how it works ----------------------------------------------------------------------------
    def _on_change(self, change=None):
        """A control moved: a new generation (any running run is now stale), then show it."""
        if self._quiet:
            return
        with self._lock:
            self._generation += 1
        if self.background:
            threading.Thread(target=self.refresh, daemon=True).start()
        else:
            self.refresh()

    def _show(self, settings, generation):
        """Show one setting: its cached picture, or train it live (and the reference first, once)."""
        settings = self.normalize(settings)
        what = html.escape(self.describe(settings))
        run = self.cache.get(self._key(settings))
        if run is not None:
            self.image.value = run.png
            self._say(f"✅ {what}: {run.summary()} (from the cache)")
            return
        self._say(f"⏳ Training {what} ...")        # the acknowledgement, before any work
        if not self._ensure_reference(generation, settings):
            return
        run = self._train(settings, generation, live=True)
        if run is not None:                          # None: stale, refresh() goes on with the new one
            self.image.value = run.png
            self._say(f"✅ {what}: {run.summary()} (trained in {run.seconds:.1f} s)")

    def _ensure_reference(self, generation, settings):
        """Train the reference setting once (it is drawn under every picture); False if stale."""
        reference = self.normalize(self.reference)
        if self._key(reference) in self.cache or self._key(reference) == self._key(settings):
            return True          # cached already, or it is `settings` itself, about to be trained
        self._say(f"⏳ Training the reference first: {html.escape(self.describe(reference))} ...")
        return self._train(reference, generation, live=False) is not None

    def _train(self, settings, generation, live):
        """Train one setting and cache its Run; None if the controls moved meanwhile (stale).
        live: show partial pictures while training.  generation None: never stale."""
        settings = self.normalize(settings)
        (x, t), (x_test, t_test) = panel_data()
        partial = Run(settings, History())
        start = last_draw = time.perf_counter()

        def on_epoch(epoch, history):
            nonlocal last_draw
            partial.history = history
            if generation is not None and generation != self._generation:
                return False                         # stale: train() stops
            if live and time.perf_counter() - last_draw >= (DRAW_EVERY if last_draw > start else FIRST_DRAW):
                self.image.value = self._render(partial, f"training, epoch {epoch}/{self.epochs}")
                self._say(f"⏳ Training {html.escape(self.describe(settings))}: epoch {epoch}/{self.epochs}")
                last_draw = time.perf_counter()

        def record(outcome):
            self.runs.append({"settings": settings, "outcome": outcome, "seconds": time.perf_counter() - start,
                              "epochs": partial.history.epoch[-1] if len(partial.history) else 0})

        try:
            made = self.build(settings)
            partial.net, options = made if isinstance(made, tuple) else (made, {})
            n = settings.get("n_train", 300)
            history = train(partial.net, x[:n], t[:n], x_test, t_test, epochs=self.epochs,
                            eval_every=self.eval_every, callback=on_epoch, **{"lr": 0.01, "seed": 0, **options})
        except Exception:
            record("failed")
            if live:                                 # never leave another setting's curves on screen
                self.image.value = self._render(partial, "failed (see below)")
            raise
        if history.stopped_early:
            record("stale")
            return None
        run = Run(settings, history, partial.net, time.perf_counter() - start)
        with self._lock:
            self.cache[self._key(settings)] = run
            run.png = self._render(run)
        record("done")
        return run

    def _make_figure(self, side_view):
        """One Figure per panel, drawn again and again: only line data and texts change."""
        self.figure = Figure(figsize=(9, 3.4), dpi=self.dpi)
        self.figure.subplots_adjust(left=0.065, right=0.985, bottom=0.16, top=0.89, wspace=0.3)
        self._canvas, self._background = FigureCanvasAgg(self.figure), None
        ax, side = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.9, 1]})
        faint = {"lw": 2, "alpha": 0.28}
        self._ref_lines = (ax.plot([], [], color=TRAIN_COLOR, **faint)[0],
                           ax.plot([], [], color=TEST_COLOR, ls="--", **faint)[0])
        self._cur_lines = (ax.plot([], [], color=TRAIN_COLOR, lw=2.2, label="train")[0],
                           ax.plot([], [], color=TEST_COLOR, lw=2.2, ls="--", label=f"test ({N_TEST:,} images)")[0])
        faint_key = Line2D([], [], color="grey", lw=2, alpha=0.4,
                           label=f"faint: {self.describe(self.normalize(self.reference))}")
        ax.legend(handles=[*self._cur_lines, faint_key], loc="lower right", fontsize=10)
        ax.set(xlim=(0, self.epochs), ylim=(0, 1.02))
        ax.set_xlabel("epoch", fontsize=12)
        ax.set_ylabel("accuracy", fontsize=12)
        ax.tick_params(labelsize=11)
        ax.grid(alpha=0.3)
        self._title = ax.set_title("", fontsize=12, y=1.02)    # a fixed y: no automatic placement
        side.tick_params(labelsize=10)
        self._side_update = side_view(side, self.epochs)
        # What changes from picture to picture; the legend comes last so that no line covers it.
        self._moving = [a for axes in (ax, side) for a in (*axes.lines, *axes.patches, *axes.texts)]
        self._moving += [self._title, ax.legend_]

    def _render(self, run, note="", dpi=None):
        """PNG bytes of the picture of `run` (bold) over the cached reference run (faint).

        Drawing a whole figure takes 30-80 ms, mostly for tick labels that never change.  So the
        figure is drawn once without its moving parts (the background); every picture starts from
        a copy of it and draws only the lines and texts: a few milliseconds.
        dpi: draw the whole figure at that resolution instead (for export_png)."""
        with self._lock:
            reference = self.cache.get(self._key(self.reference))
            for line, key in zip(self._cur_lines, ("train_acc", "test_acc")):
                line.set_data(run.history.epoch, run.history[key])
            for line, key in zip(self._ref_lines, ("train_acc", "test_acc")):
                line.set_data((reference.history.epoch, reference.history[key]) if reference else ([], []))
            h = run.history
            result = f"train {h.train_acc[-1]:.3f}, test {h.test_acc[-1]:.3f}" if len(h) else ""
            self._title.set_text(f"{self.describe(run.settings)}: {note or result}")
            self._side_update(run, reference)
            if dpi:
                self._background = None       # savefig at another dpi replaces the canvas' renderer
                return to_png(self.figure, dpi=dpi)
            if self._background is None:
                for artist in self._moving:
                    artist.set_visible(False)
                self._canvas.draw()
                self._background = self._canvas.copy_from_bbox(self.figure.bbox)
                for artist in self._moving:
                    artist.set_visible(True)
            self._canvas.restore_region(self._background)
            for artist in self._moving:
                self.figure.draw_artist(artist)
            buffer = io.BytesIO()
            Image.frombuffer("RGBA", self._canvas.get_width_height(), self._canvas.buffer_rgba(),
                             "raw", "RGBA", 0, 1).save(buffer, format="png", compress_level=1)
            return buffer.getvalue()

    def _key(self, settings):
        return tuple(sorted(self.normalize(settings).items()))

    def _say(self, text):
        self.status.value = text

    def _guarded(self, action, what=""):
        """Run action(); show an exception in red in the status line (and keep it in last_error)."""
        try:
            return action()
        except Exception as error:
            self.last_error = error
            where = f"{html.escape(what)} failed: " if what else ""
            self._say(f'<span style="color:#c00"><b>⚠ {where}{type(error).__name__}:</b> '
                      f'{html.escape(str(error))}</span>')
            return None

    def _checked(self, values, where, complete=False):
        """Check names and values against the controls; a clear error says what is allowed."""
        values = dict(values)
        unknown = sorted(set(values) - set(self.controls))
        missing = sorted(set(self.controls) - set(values)) if complete else []
        if unknown or missing:
            raise ValueError(f"{where}: unknown {unknown}, missing {missing}; the settings are {list(self.controls)}")
        for name, value in values.items():
            control = self.controls[name]
            if hasattr(control, "options"):
                allowed = [o[1] if isinstance(o, tuple) else o for o in control.options]
                if value not in allowed:
                    raise ValueError(f"{where}: {name}={value!r} is not on the control; allowed: {allowed}")
            elif hasattr(control, "min") and not control.min <= value <= control.max:
                raise ValueError(f"{where}: {name}={value!r} is outside [{control.min}, {control.max}]")
        return values


# --- side views: view(ax, epochs) sets up the small axes once and returns update(current, reference)
def gap_view(ax, epochs):
    """Train accuracy minus test accuracy, per epoch: how much the network overfits."""
    ref_line, = ax.plot([], [], color="#9467bd", lw=2, alpha=0.3)
    cur_line, = ax.plot([], [], color="#9467bd", lw=2.2)
    text = ax.text(0.96, 0.95, "", transform=ax.transAxes, ha="right", va="top", fontsize=11)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(xlim=(0, epochs), ylim=(-0.1, 0.6))
    ax.set_xlabel("epoch", fontsize=12)
    ax.set_title("gap = train − test accuracy", fontsize=12)
    ax.grid(alpha=0.3)

    def update(current, reference):
        cur_line.set_data(current.history.epoch, current.history.gap())
        ref_line.set_data((reference.history.epoch, reference.history.gap()) if reference else ([], []))
        lines = [f"gap {current.history.gap()[-1]:.3f}"] if len(current.history) else []
        text.set_text("\n".join(lines + ([f"faint: {reference.history.gap()[-1]:.3f}"] if reference else [])))
    return update


def weights_view(ax, epochs):
    """Histogram of all weights (% per bar) and the share at about zero (|w| < 0.001)."""
    edges = np.linspace(-0.405, 0.405, 82)           # 81 bars of width 0.01; the middle one holds 0
    ymax = 16.0
    ref_steps = ax.stairs(np.zeros(81), edges, fill=True, color="grey", alpha=0.3)
    cur_steps = ax.stairs(np.zeros(81), edges, color="#2ca02c", lw=1.8)
    text = ax.text(0.03, 0.95, "", transform=ax.transAxes, va="top", fontsize=11)
    ax.set(xlim=(edges[0], edges[-1]), ylim=(0, ymax))
    ax.set_xlabel("weight value", fontsize=12)
    ax.set_ylabel("% of weights", fontsize=11)
    ax.set_title(f"all weights; near 0: |w| < {ZERO_TOL:g}", fontsize=11)

    def shares(net):
        w = net.weights()
        percent = np.histogram(np.clip(w, edges[0], edges[-1]), edges)[0] * 100.0 / w.size
        return percent, np.mean(np.abs(w) < ZERO_TOL)

    reference_shares = {}     # computed once per reference run

    def update(current, reference):
        percent, near_zero = shares(current.net) if current.net is not None else (np.zeros(81), None)
        cur_steps.set_data(percent, edges)
        lines = [] if near_zero is None else [f"near 0: {near_zero:.1%}"]
        lines += [f"peak {percent.max():.0f}% ↑"] if percent.max() > ymax else []   # off the top
        if reference is not None:
            if reference_shares.get("run") is not reference:
                reference_shares.update(run=reference, shares=shares(reference.net))
            percent, near_zero = reference_shares["shares"]
            ref_steps.set_data(percent, edges)
            lines.append(f"faint: {near_zero:.1%}")
        text.set_text("\n".join(lines))
    return update


# --- the panels of the chapters -------------------------------------------------------------------
def _slider(description, options, value, labels=None):
    """A SelectionSlider that reports only when released (ipywidgets 7.7 and 8)."""
    pairs = list(zip(labels or [str(o) for o in options], options))
    return widgets.SelectionSlider(options=pairs, value=value, description=description,
                                   continuous_update=False, style={"description_width": "initial"})


def overfitting_panel(epochs=EPOCHS, background=False, **start):
    """Chapter 1: the number of training images and the network's width and depth; side view: the gap.
    More images cost more steps per epoch: 5,000 images take 10-30 s per setting, so precompute()
    the settings a class will see (e.g. panel.precompute(n_train=[300, 1000, 2000, 5000])).

    Every setting trains with the book's schedule (lr 0.01, EPOCHS epochs).  That is enough for the
    6x100 network, but a network with a single hidden layer on 300 images has not finished training
    when the panel stops: its smaller gap means unfinished, not less overfitting (chapter 1, section 5
    compares the sizes at their plateau).  Use the panel for the effect of data and to watch
    under-training, not to rank network sizes."""
    controls = {"n_train": _slider("training images", [300, 1000, 2000, 5000], 300),
                "width": _slider("width", [25, 50, 100, 200], 100),
                "depth": _slider("hidden layers", [1, 2, 3, 4, 5, 6], 6)}
    return LivePanel(controls, lambda s: MultiLayerNet(784, [s["width"]] * s["depth"], 10, seed=0), gap_view,
                     reference={"n_train": 300, "width": 100, "depth": 6}, start=start, name="overfitting",
                     describe=lambda s: f"{s['n_train']} images, {s['depth']}×{s['width']} net",
                     epochs=epochs, background=background)


LAMBDAS = [0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]


def penalty_panel(epochs=EPOCHS, background=False, **start):
    """Chapter 2: penalty none/L1/L2 and its strength lambda; side view: the weight histogram.
    L1 takes the proximal step (soft thresholding), so weights can become exactly 0."""
    controls = {"penalty": widgets.ToggleButtons(options=["none", "L1", "L2"], value="none",
                                                 tooltips=["no penalty", "L1: λ·Σ|w|", "L2: ½λ·Σw²"],
                                                 style={"button_width": "56px"}),
                "lam": _slider("λ", LAMBDAS, 0.0, labels=[f"{lam:g}" for lam in LAMBDAS])}

    def normalize(s):        # no penalty and lambda = 0 are the same run
        return {"penalty": "none", "lam": 0.0} if s["penalty"] == "none" or s["lam"] == 0 else dict(s)

    def build(s):
        strength = {"weight_decay_lambda" if s["penalty"] == "L2" else "l1_lambda": s["lam"]}
        return MultiLayerNet(784, [100] * 6, 10, seed=0, l1_method="proximal", **strength)

    def describe(s):
        return "no penalty" if s["penalty"] == "none" else f"{s['penalty']}, λ = {s['lam']:g}"

    return LivePanel(controls, build, weights_view, reference={"penalty": "none", "lam": 0.0}, start=start,
                     normalize=normalize, describe=describe, name="penalty", epochs=epochs, background=background)


RATIOS = [round(0.1 * i, 1) for i in range(9)]


def dropout_panel(epochs=EPOCHS, background=False, **start):
    """Chapter 3: the dropout ratio from 0 to 0.8 (inverted dropout); side view: the gap.

    Like every panel, it uses the book's learning rate (SGD lr 0.01) for a fixed short schedule
    (EPOCHS epochs, one seed), under which dropout runs have not reached their plateau (chapter 3,
    section 4).  The
    panel shows how dropout slows and limits training within that schedule; it does not say which
    ratio is best after training to the plateau, and test curves a point apart are within the
    seed-to-seed spread."""
    controls = {"dropout_ratio": _slider("dropout ratio", RATIOS, 0.0)}
    return LivePanel(controls, lambda s: MultiLayerNet(784, [100] * 6, 10, seed=0, dropout_ratio=s["dropout_ratio"]),
                     gap_view, reference={"dropout_ratio": 0.0}, start=start, name="dropout",
                     describe=lambda s: f"dropout {s['dropout_ratio']:g}" if s["dropout_ratio"] else "no dropout",
                     epochs=epochs, background=background)
