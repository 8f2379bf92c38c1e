"""Live panels: release a control and watch the network train again, over a faint reference run.

    from lib.panel import overfitting_panel, penalty_panel, dropout_panel, boundary_panel
    penalty_panel()                           # last line of a cell: shows the panel and trains
    penalty_panel(penalty="L2", lam=0.1)      # ... starting at another setting
    dropout_panel(seeds=3)                    # three seeds: mean curves with a band
    boundary_panel(penalty="L2", lam=0.01)    # the 2-D lab (lib/toy2d.py): decision regions

The MNIST panels train the book's experiment (section 6.4): 300 training images, a 784-100x6-10
ReLU network, SGD, batch 100, a fixed EPOCHS epochs; accuracy is recorded every EVAL_EVERY epochs,
on the training images and on a fixed subset of N_TEST test images (boundary_panel trains the 2-D
lab of lib/toy2d.py instead, see its docstring).  Besides each panel's own controls:
  seeds      (every panel) 1 or 3: train seeds 0, 1, 2 one after another (the curves update as each
             one trains) and draw the mean with a band of ± 1 standard deviation; the numbers are
             mean ± sd.  A difference inside the band is no difference.
  schedule   (overfitting and dropout panels) "the book's: lr 0.01" or "to the plateau: lr 0.1",
             the same number of steps.  The picture's title says which one it is.
The faint reference follows the schedule and the seeds of the current setting.  When a control
changes:
  1. a setting trained before comes from the cache at once; otherwise the status line says what
     is trained (within milliseconds) and `train()` runs inside the widget's callback, whose
     per-epoch callback redraws the curves at most every 0.25 s;
  2. every change starts a new "generation"; a run of an older one is stale: it stops, and the
     current setting is trained, so the picture always matches the controls.
Controls that do not apply to the current setting are greyed out, and the status line says why.
Training in the callback works in every front end (JupyterLab, Notebook 7, VS Code, Colab).  The
opt-in background=True trains in a thread, so that a new value stops a run at once (Colab does not
show widget updates made from threads).  Pictures are matplotlib Figures (never pyplot) turned into
PNG bytes for an ipywidgets.Image: no ipympl, no Output widget, ipywidgets 7.7 and 8.x alike.  The
panel's output also carries a still PNG (lib/widget_view.py), shown where widgets cannot run.
Creating a panel closes the previous panel of the same name (re-running a cell frees the old one);
`panel.close()` frees it explicitly.  Trained networks are not kept unless keep_nets=True.
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
from matplotlib.patches import Patch
from PIL import Image

from .data import load_mnist, take
from .net import MultiLayerNet
from .plots import TEST_COLOR, TRAIN_COLOR
from .progress import Status
from .train import History, train
from .widget_view import show

EPOCHS, EVAL_EVERY, N_TEST = 200, 8, 2000
SEEDS = (1, 3)                          # the choices of the seeds control: seeds 0, or 0, 1 and 2
SCHEDULES = {"book": 0.01, "plateau": 0.1}            # schedule -> SGD learning rate; EPOCHS epochs each
SCHEDULE_NAMES = {"book": "the book's schedule (lr 0.01)", "plateau": "to the plateau (lr 0.1)"}
FIRST_DRAW, DRAW_EVERY = 0.1, 0.25      # seconds of training before the first picture; then between pictures
ZERO_TOL = 1e-3                         # |w| below this counts as "about zero"
PNG_MARK = "lib.panel export_png"       # written into exported PNGs: export_png overwrites only those
STATE_COLORS = {"ready": "#2a9d3a", "busy": "#e0a000", "error": "#cc0000"}
_DATA, _DATA_LOCK = None, threading.Lock()
_OPEN = {}                              # panel name -> the latest panel of that name in this process


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
    """One training run of a panel: one setting with one seed, its History, and what the side view
    measured on the trained net (side); the net itself only if the panel keeps nets."""
    settings: dict
    seed: int
    history: History
    seconds: float = 0.0
    side: object = None
    net: object = None


def _mean_sd(values):
    """Mean and standard deviation (n - 1 in the denominator; 0 for a single value)."""
    values = np.asarray(values, dtype=float)
    return values.mean(), (values.std(ddof=1) if len(values) > 1 else 0.0)


class Curves:
    """A setting's runs over its seeds: mean and standard deviation at every recorded epoch.

    histories: Histories of the seeds (a run still training counts at the epochs it has reached);
    side: the side view's data of each run.  .epoch (E,); .mean[key], .sd[key] (E,) for
    train_acc, test_acc and gap; .n_runs, the number of histories."""

    def __init__(self, histories, side=()):
        self.n_runs, self.side = len(histories), list(side)
        self.epoch = np.array(max(histories, key=len).epoch if histories else [])
        self.mean, self.sd = {}, {}
        for key in ("train_acc", "test_acc", "gap"):
            values = [h.gap() if key == "gap" else h[key] for h in histories]
            pairs = [_mean_sd([v[i] for v in values if len(v) > i]) for i in range(len(self.epoch))]
            self.mean[key], self.sd[key] = (np.array(column) for column in zip(*pairs)) if pairs else ([], [])

    def __len__(self):
        return len(self.epoch)

    def final(self, key):
        """'0.812' for one run, '0.812 ± 0.009' (mean ± sd) for several."""
        mean, sd = self.mean[key][-1], self.sd[key][-1]
        return f"{mean:.3f}" if self.n_runs == 1 else f"{mean:.3f} ± {sd:.3f}"

    def result(self):
        return f"train {self.final('train_acc')}, test {self.final('test_acc')}" if len(self) else ""


class LivePanel:
    """Controls that retrain a network, with curves, a side view, a status line and a cache.

    controls:  {setting name: ipywidgets control}; settings() reads their values.
    build(settings, seed) -> a MultiLayerNet, or (net, {extra train() arguments, e.g. "lr": 0.1}).
               A setting named n_train is the number of training images (default 300).
    side_view(ax, epochs) -> update(current, reference): draws the small view (gap_view, weights_view)
               from two Curves; update.measure(net), if set, is what a Run keeps of its net (side).
    reference: {name: value} drawn faintly under every picture: the current setting with these
               values (e.g. {"dropout_ratio": 0.0}: no dropout, the same schedule and seeds).
    reference_name: its short name in the legend (e.g. "no dropout").
    describe(settings) -> a short text for titles and the status line.
    normalize(settings) -> the setting actually trained, so that equal runs share a cache entry.
    inactive(settings) -> {name: why}: controls that do not apply to the setting (greyed out).
    seeds:     the choices of the seeds control (None: no such control, always seed 0).
    start:     {name: value} to begin with; background: train in a thread (see the module doc).
    keep_nets: keep every trained net in panel.cache (memory: about 10 MB each).
    data:      () -> ((x_train, t_train), (x_test, t_test)), the data every run trains on
               (default panel_data: MNIST); note: the small text beside the controls.
    """

    def __init__(self, controls, build, side_view, reference, reference_name=None, describe=None,
                 normalize=None, inactive=None,
                 start=None, name="panel", epochs=EPOCHS, eval_every=EVAL_EVERY, seeds=SEEDS,
                 background=False, keep_nets=False, dpi=85, data=panel_data, note=None):
        self.controls, self.build, self.name = dict(controls), build, name
        self.epochs, self.eval_every, self.background, self.dpi = epochs, eval_every, background, dpi
        self.keep_nets, self.closed = keep_nets, False
        self.describe = describe or (lambda s: ", ".join(f"{k} = {v}" for k, v in s.items()))
        self.normalize = normalize or dict
        self.inactive = inactive or (lambda s: {})
        if seeds:
            self.controls["seeds"] = widgets.ToggleButtons(
                options=[(str(n), n) for n in seeds], value=seeds[0], description="seeds",
                tooltips=[f"train {n} seed(s): mean curves with a band of ± 1 standard deviation" for n in seeds],
                style={"button_width": "36px", "description_width": "initial"})
        self.reference = self._checked(reference, "reference")
        self.reference_name = reference_name
        if "seeds" in self.reference:
            raise ValueError("reference: the reference always has the current number of seeds; leave 'seeds' out")
        for name, value in self._checked(start or {}, "start").items():
            self.controls[name].value = value
        self.cache = {}          # (key(setting), seed) -> Run
        self.pictures = {}       # (key(setting), seeds) -> (PNG bytes, result text)
        self.runs = []           # a record of every training run: settings, seed, outcome, seconds
        self.last_error = None
        self.state = "ready"     # ready, busy or error: what the status line says
        self._why = ""           # why some controls are greyed out
        self._generation = 0     # goes up at every change of the controls
        self._lock = threading.RLock()
        self._quiet = False      # set() moves several controls without a run for each
        self._busy = False       # a refresh() is running (it also shows any newer setting)

        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.status = widgets.HTML(layout=widgets.Layout(flex="1 1 auto"))
        self.export_button = widgets.Button(description="Save PNG", icon="download",
                                            tooltip="save the figure as a PNG file for slides")
        self.export_button.on_click(self._export_clicked)
        self.data = data
        note = widgets.HTML(f"<small>{note or f'{epochs} epochs, batch 100 &middot; test curve on {N_TEST:,} test images'}</small>")
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        row = widgets.HBox(list(self.controls.values()) + [note], layout=widgets.Layout(flex_flow="row wrap"))
        bottom = widgets.HBox([self.status, self.export_button])
        self.widget = widgets.VBox([row, self.image, bottom])
        self._widgets = [*self.controls.values(), note, row, self.image, self.status, self.export_button,
                         bottom, self.widget]
        self._make_figure(side_view)
        self.data()              # load the data now, not at the first slider move
        self._grey_out()
        self.image.value = self._render(*self._split(self.settings()), note="not trained yet")
        self._say("Not trained yet.", "ready")
        previous = _OPEN.get(self.name)     # (not `name`: the loop over `start` above reuses it)
        if previous is not None:     # re-running the cell that made it: free the old one
            previous.close()
        _OPEN[self.name] = self

    # --- what a notebook uses --------------------------------------------------------------------
    def _ipython_display_(self):
        """At the end of a cell: show the widgets (with a still picture for front ends that cannot
        run them), train or show the current setting, then store that setting's picture."""
        self._check_open()
        shown = show(self.widget, self.image.value, self._plain_text())
        self.refresh()
        shown.update(self.image.value, self._plain_text())

    def settings(self):
        """The current values of the controls, {name: value}."""
        return {name: control.value for name, control in self.controls.items()}

    def set(self, **values):
        """Move several controls at once (panel.set(penalty="L2", lam=0.1)), then show that setting."""
        self._check_open()
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
        self._check_open()
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
                    if generation == self._generation or self.closed:    # nothing moved meanwhile: done
                        self._busy = False
                        return
        except BaseException:    # e.g. KeyboardInterrupt: do not leave the panel busy for ever
            self._busy = False
            raise

    def precompute(self, settings_list=(), **grid):
        """Train settings in advance, so that moving the controls to them is instant (for a class).

        panel.precompute([{"penalty": "L2", "lam": 0.1}, {"penalty": "L1", "lam": 0.001}])
        panel.precompute(penalty=["L1", "L2"], lam=[0.001, 0.01, 0.1], seeds=[1, 3])   # every combination
        Names left out keep their current values.  Progress shows in the status line and below the cell.
        """
        self._check_open()
        if isinstance(settings_list, dict):
            raise TypeError("settings_list must be a list of settings, e.g. [{'lam': 0.1}], got one dict")
        combos = [dict(zip(grid, values)) for values in itertools.product(*grid.values())] if grid else []
        todo = [self._checked({**self.settings(), **dict(s)}, "precompute()") for s in list(settings_list) + combos]
        counts, start = {"trained": 0, "cached": 0, "failed": 0}, time.perf_counter()
        line = Status("Precomputing", len(todo))      # a progress line below the cell, too
        for i, settings in enumerate(todo):
            setting, n = self._split(settings)
            what = self._what(setting, n)
            self._say(f"Precomputing {i + 1}/{len(todo)}: {_escape(what)} ...", "busy")
            line.update(i, what)
            if (self._key(setting), n) in self.pictures:
                counts["cached"] += 1
                continue
            done = self._guarded(lambda: self._complete(setting, n, None, live=False), what)
            counts["trained" if done else "failed"] += 1
        line.finish()
        self.refresh()
        summary = (f"Precomputed {len(todo)} setting(s) in {time.perf_counter() - start:.1f} s: "
                   + ", ".join(f"{n} {outcome}" for outcome, n in counts.items()))
        if counts["failed"]:       # say so, with the last error
            self._say(f'<span style="color:#c00"><b>{summary}.</b> Last error: '
                      f'{_escape(f"{type(self.last_error).__name__}: {self.last_error}")}</span>', "error")
        elif self.state == "ready":
            self._say(f"{summary}. Moving the controls to them is now instant.", "ready")

    def export_png(self, path=None, dpi=150):
        """Save the current picture as a PNG for slides; the default file name encodes the settings.

        Writes only files ending in .png, and overwrites only PNGs that a panel saved.  Returns the
        path; the status line says where the file is."""
        setting, n = self._split(self.settings())
        if (self._key(setting), n) not in self.pictures:
            raise RuntimeError("the current setting has not finished training; save it when it is done")
        if path is None:
            words = [self.name] + [f"{k}-{v}" for k, v in sorted(setting.items())] + [f"{n}seeds", f"{self.epochs}epochs"]
            path = re.sub(r"[^A-Za-z0-9_.-]+", "", "_".join(words)) + ".png"
        path = Path(path)
        if path.suffix.lower() != ".png":
            raise ValueError(f"export_png writes PNG files only: give a name ending in .png, not {str(path)!r}")
        path = path.resolve()
        if path.exists() and not _saved_by_a_panel(path):
            raise FileExistsError(f"{path} exists and was not saved by a panel; export_png overwrites only "
                                  f"its own PNGs: choose another name")
        path.write_bytes(self._render(setting, n, dpi=dpi))
        self._say(f"Saved the figure as {_escape(str(path))}", "ready")
        return path

    def close(self):
        """Free the panel: stop any run, close its widgets, drop its observers, cache and figure.
        Closing it again does nothing."""
        if self.closed:
            return
        with self._lock:
            self._generation += 1    # a run in progress is now stale and stops at its next epoch
            self.closed = True
        for control in self.controls.values():
            control.unobserve(self._on_change, names="value")
        self.export_button.on_click(self._export_clicked, remove=True)
        for widget in self._widgets:
            widget.close()
        self.cache.clear()
        self.pictures.clear()
        self.figure.clear()
        self._canvas = self._background = self._side_update = self._moving = None
        if _OPEN.get(self.name) is self:
            del _OPEN[self.name]

    # --- how it works ----------------------------------------------------------------------------
    def _check_open(self):
        if self.closed:
            raise RuntimeError(f"this {self.name} panel was closed (a newer one replaces it); create a new one")

    def _export_clicked(self, button):
        self._guarded(self.export_png)

    def _on_change(self, change=None):
        """A control moved: a new generation (any running run is now stale), then show it."""
        if self._quiet or self.closed:
            return
        with self._lock:
            self._generation += 1
        self._grey_out()
        if self.background:
            threading.Thread(target=self.refresh, daemon=True).start()
        else:
            self.refresh()

    def _grey_out(self):
        """Disable the controls that do not apply to the current setting; remember why."""
        why = self.inactive(self.settings())
        for name, control in self.controls.items():
            control.disabled = name in why
        self._why = "; ".join(f"{text} (greyed out)" for text in why.values())

    def _split(self, settings):
        """(the normalized setting without 'seeds', the number of seeds)."""
        settings = dict(settings)
        n = settings.pop("seeds", 1)
        return self.normalize(settings), n

    def _key(self, setting):
        return tuple(sorted(self.normalize(setting).items()))

    def _reference_of(self, setting):
        return self.normalize({**setting, **self.reference})

    def _what(self, setting, n):
        seeds = f", {n} seed{'s' if n > 1 else ''}" if "seeds" in self.controls else ""
        return self.describe(setting) + seeds

    def _show(self, settings, generation):
        """Show one setting: its cached picture, or train what is missing, live."""
        setting, n = self._split(settings)
        what = _escape(self._what(setting, n))
        why = f"<br><small>{_escape(self._why)}</small>" if self._why else ""
        cached = self.pictures.get((self._key(setting), n))
        if cached is not None:
            self.image.value = cached[0]
            self._say(f"{what}: {cached[1]} (from the cache){why}", "ready")
            return
        self._say(f"Training {what} ...", "busy")        # the acknowledgement, before any work
        start = time.perf_counter()
        if self._complete(setting, n, generation, live=True):   # False: stale, refresh() goes on
            png, result = self.pictures[(self._key(setting), n)]
            self.image.value = png
            self._say(f"{what}: {result} (trained in {time.perf_counter() - start:.1f} s){why}", "ready")

    def _complete(self, setting, n, generation, live):
        """Train the seeds of `setting` and then of its reference that are not cached yet, one after
        another, and store the finished picture.  False if the controls moved meanwhile."""
        reference = self._reference_of(setting)
        for which, seed in [(setting, s) for s in range(n)] + [(reference, s) for s in range(n)]:
            if (self._key(which), seed) in self.cache:
                continue
            if live and which is reference:
                self._say(f"Training the faint reference: {_escape(self._what(reference, n))}, "
                          f"seed {seed + 1} of {n} ...", "busy")
            if self._train(which, seed, generation, live, shown=(setting, n)) is None:
                return False
        with self._lock:
            picture = self._render(setting, n)
            self.pictures[(self._key(setting), n)] = (picture, self._curves(setting, n).result())
        return True

    def _train(self, setting, seed, generation, live, shown):
        """Train one setting with one seed and cache its Run; None if the controls moved meanwhile
        (stale).  live: show partial pictures of `shown` (setting, seeds) while training.
        generation None: never stale."""
        (x, t), (x_test, t_test) = self.data()
        partial = {"key": self._key(setting), "seed": seed, "history": History(), "net": None}
        start = last_draw = time.perf_counter()
        n = shown[1]

        def on_epoch(epoch, history):
            nonlocal last_draw
            partial["history"] = history
            if generation is not None and generation != self._generation:
                return False                         # stale: train() stops
            if live and time.perf_counter() - last_draw >= (DRAW_EVERY if last_draw > start else FIRST_DRAW):
                where = f"seed {seed + 1} of {n}, epoch {epoch}/{self.epochs}" if n > 1 else f"epoch {epoch}/{self.epochs}"
                which = "training" if partial["key"] == self._key(shown[0]) else "training the faint run"
                self.image.value = self._render(*shown, partial=partial, note=f"{which},\n{where}")
                if self.state == "busy" and "reference" not in self.status.value:
                    self._say(f"Training {_escape(self._what(*shown))}: {where}", "busy")
                last_draw = time.perf_counter()

        def record(outcome):
            self.runs.append({"settings": setting, "seed": seed, "outcome": outcome,
                              "seconds": time.perf_counter() - start,
                              "epochs": partial["history"].epoch[-1] if len(partial["history"]) else 0})

        try:
            made = self.build(setting, seed)
            net, options = made if isinstance(made, tuple) else (made, {})
            partial["net"] = net
            n_train = setting.get("n_train", 300)
            history = train(net, x[:n_train], t[:n_train], x_test, t_test, epochs=self.epochs,
                            eval_every=self.eval_every, callback=on_epoch, **{"lr": 0.01, "seed": seed, **options})
        except Exception:
            record("failed")
            if live:                                 # never leave another setting's curves on screen
                self.image.value = self._render(*shown, partial=partial, note="failed (see below)")
            raise
        if history.stopped_early:
            record("stale")
            return None
        measure = getattr(self._side_update, "measure", None)
        run = Run(setting, seed, history, time.perf_counter() - start,
                  side=measure(net) if measure else None, net=net if self.keep_nets else None)
        with self._lock:
            self.cache[(self._key(setting), seed)] = run
        record("done")
        return run

    def _curves(self, setting, n, partial=None):
        """Curves of the seeds 0..n-1 of `setting` that are cached, plus a run still training."""
        key, histories, side = self._key(setting), [], []
        measure = getattr(self._side_update, "measure", None)
        for seed in range(n):
            run = self.cache.get((key, seed))
            if run is not None:
                histories.append(run.history)
                side.append(run.side)
            elif partial is not None and partial["key"] == key and partial["seed"] == seed:
                histories.append(partial["history"])
                if measure and partial["net"] is not None:
                    side.append(measure(partial["net"]))
        return Curves(histories, side)

    def _make_figure(self, side_view):
        """One Figure per panel, drawn again and again: only line data and texts change."""
        self.figure = Figure(figsize=(9, 3.4), dpi=self.dpi)
        self.figure.subplots_adjust(left=0.065, right=0.985, bottom=0.16, top=0.89, wspace=0.3)
        self._canvas, self._background = FigureCanvasAgg(self.figure), None
        ax, side = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.9, 1]})
        faint = {"lw": 2, "alpha": 0.28}
        self._ref_lines = (ax.plot([], [], color=TRAIN_COLOR, **faint)[0],
                           ax.plot([], [], color=TEST_COLOR, ls="--", **faint)[0])
        self._bands = (ax.fill_between([], [], [], color=TRAIN_COLOR, alpha=0.2, lw=0),
                       ax.fill_between([], [], [], color=TEST_COLOR, alpha=0.2, lw=0))
        self._cur_lines = (ax.plot([], [], color=TRAIN_COLOR, lw=2.2, label="train")[0],
                           ax.plot([], [], color=TEST_COLOR, lw=2.2, ls="--", label=f"test ({N_TEST:,} images)")[0])
        keys = [Line2D([], [], color="grey", lw=2, alpha=0.4, label="faint"),
                Patch(color="grey", alpha=0.25, label="band")]
        ax.legend(handles=[*self._cur_lines, *keys], loc="lower right", fontsize=10, title=" ",
                  title_fontsize=11, alignment="left", framealpha=0.9)
        self._result = ax.legend_.get_title()      # the numbers: the legend's title
        ax.set(xlim=(0, self.epochs), ylim=(0, 1.02))
        ax.set_xlabel("epoch", fontsize=12)
        ax.set_ylabel("accuracy", fontsize=12)
        ax.tick_params(labelsize=11)
        ax.grid(alpha=0.3)
        self._title = ax.set_title("", fontsize=12, y=1.02)    # a fixed y: no automatic placement
        side.tick_params(labelsize=10)
        self._side_update = side_view(side, self.epochs)
        # What changes from picture to picture; the legend comes last so that no line covers it.
        self._moving = [a for axes in (ax, side) for a in (*axes.collections, *axes.lines, *axes.patches, *axes.texts)]
        self._moving += [self._title, ax.legend_]

    def _render(self, setting, n, partial=None, note="", dpi=None):
        """PNG bytes of the picture of `setting` with n seeds (bold, with a band) over its reference
        (faint); partial: a run still training.

        Drawing a whole figure takes 30-80 ms, mostly for tick labels that never change.  So the
        figure is drawn once without its moving parts (the background); every picture starts from
        a copy of it and draws only the lines and texts: a few milliseconds.
        dpi: draw the whole figure at that resolution instead (for export_png)."""
        with self._lock:
            current = self._curves(setting, n, partial)
            reference = self._curves(self._reference_of(setting), n, partial)
            for line, band, key in zip(self._cur_lines, self._bands, ("train_acc", "test_acc")):
                line.set_data(current.epoch, current.mean[key])
                _set_band(band, current.epoch, current.mean[key], current.sd[key] if current.n_runs > 1 else [])
            for line, key in zip(self._ref_lines, ("train_acc", "test_acc")):
                line.set_data(reference.epoch, reference.mean[key])
            texts = self._title.axes.legend_.get_texts()
            faint = self.reference_name or self.describe(self._reference_of(setting))
            ref_test = f", test {reference.final('test_acc')}" if len(reference) else ""   # its number, to compare
            texts[2].set_text(f"faint: {faint}{ref_test}")
            texts[3].set_text(f"band: ± 1 sd, {n} seeds" if n > 1 else "1 seed: no band")
            self._title.set_text(self._what(setting, n))
            self._result.set_text(note or current.result().replace(", test", "\ntest"))
            self._side_update(current, reference if len(reference) else None)
            if dpi:
                self._background = None       # savefig at another dpi replaces the canvas' renderer
                buffer = io.BytesIO()
                self.figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": PNG_MARK})
                return buffer.getvalue()
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

    def _say(self, text, state):
        """Status line: a coloured dot (CSS, no emoji: every font shows it) and the text."""
        self.state = state
        self.status.value = (f'<span style="display:inline-block;width:0.7em;height:0.7em;border-radius:50%;'
                             f'background:{STATE_COLORS[state]};margin-right:0.4em"></span>{text}')

    def _plain_text(self):
        """One line for front ends that show neither widgets nor pictures."""
        return f"Live panel ({self.name}): {self._what(*self._split(self.settings()))}; run the cell to use it."

    def _guarded(self, action, what=""):
        """Run action(); show an exception in red in the status line (and keep it in last_error)."""
        try:
            return action()
        except Exception as error:
            self.last_error = error
            if self.closed:
                return None
            where = f"{_escape(what)} failed: " if what else ""
            self._say(f'<span style="color:#c00"><b>Error: {where}{type(error).__name__}:</b> '
                      f'{_escape(str(error))}</span>', "error")
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


def _escape(text):
    """Text for the status line's HTML (quotes stay readable)."""
    return html.escape(str(text), quote=False)


def _set_band(band, x, mean, sd):
    """Fill between mean - sd and mean + sd (nothing if sd is empty)."""
    if len(sd) == 0 or len(x) == 0:
        band.set_verts([])
        return
    x, low, high = np.asarray(x), np.asarray(mean) - sd, np.asarray(mean) + sd
    band.set_verts([np.column_stack([np.r_[x, x[::-1]], np.r_[low, high[::-1]]])])


def _saved_by_a_panel(path):
    """Is the file a PNG that export_png wrote (it carries PNG_MARK)?"""
    with open(path, "rb") as f:
        head = f.read(4096)
    return head.startswith(b"\x89PNG\r\n\x1a\n") and PNG_MARK.encode() in head


# --- side views: view(ax, epochs) sets up the small axes once and returns update(current, reference)
def gap_view(ax, epochs):
    """Train accuracy minus test accuracy, per epoch (mean over the seeds, with a band): how much
    the network overfits."""
    ref_line, = ax.plot([], [], color="#9467bd", lw=2, alpha=0.3)
    band = ax.fill_between([], [], [], color="#9467bd", alpha=0.2, lw=0)
    cur_line, = ax.plot([], [], color="#9467bd", lw=2.2)
    text = ax.text(0.96, 0.95, "", transform=ax.transAxes, ha="right", va="top", fontsize=11)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(xlim=(0, epochs), ylim=(-0.1, 0.6))
    ax.set_xlabel("epoch", fontsize=12)
    ax.set_title("gap = train − test accuracy", fontsize=12)
    ax.grid(alpha=0.3)

    def update(current, reference):
        cur_line.set_data(current.epoch, current.mean["gap"])
        _set_band(band, current.epoch, current.mean["gap"], current.sd["gap"] if current.n_runs > 1 else [])
        ref_line.set_data((reference.epoch, reference.mean["gap"]) if reference else ([], []))
        lines = [f"gap {current.final('gap')}"] if len(current) else []
        text.set_text("\n".join(lines + ([f"faint: {reference.final('gap')}"] if reference else [])))
    return update


def weights_view(ax, epochs):
    """Histogram of all weights (% per bar, mean over the seeds) and the share at about zero
    (|w| < 0.001)."""
    edges = np.linspace(-0.405, 0.405, 82)           # 81 bars of width 0.01; the middle one holds 0
    ymax = 16.0
    ref_steps = ax.stairs(np.zeros(81), edges, fill=True, color="grey", alpha=0.3)
    cur_steps = ax.stairs(np.zeros(81), edges, color="#2ca02c", lw=1.8)
    text = ax.text(0.03, 0.95, "", transform=ax.transAxes, va="top", fontsize=11)
    ax.set(xlim=(edges[0], edges[-1]), ylim=(0, ymax))
    ax.set_xlabel("weight value", fontsize=12)
    ax.set_ylabel("% of weights", fontsize=11)
    ax.set_title(f"all weights; near 0: |w| < {ZERO_TOL:g}", fontsize=11)

    def measure(net):
        """(% of the weights in each bar (81,), share with |w| < ZERO_TOL): what a Run keeps."""
        w = net.weights()
        percent = np.histogram(np.clip(w, edges[0], edges[-1]), edges)[0] * 100.0 / w.size
        return percent, np.mean(np.abs(w) < ZERO_TOL)

    def mean_of(curves):
        if curves is None or not curves.side:
            return np.zeros(81), None
        return np.mean([p for p, _ in curves.side], axis=0), _mean_sd([z for _, z in curves.side])

    def share(mean_sd, n):
        return f"{mean_sd[0]:.1%}" if n == 1 else f"{mean_sd[0]:.1%} ± {mean_sd[1]:.1%}"

    def update(current, reference):
        percent, near_zero = mean_of(current)
        cur_steps.set_data(percent, edges)
        lines = [] if near_zero is None else [f"near 0: {share(near_zero, len(current.side))}"]
        lines += [f"peak {percent.max():.0f}% ↑"] if percent.max() > ymax else []   # off the top
        percent, near_zero = mean_of(reference)
        ref_steps.set_data(percent, edges)
        lines += [] if near_zero is None else [f"faint: {share(near_zero, len(reference.side))}"]
        text.set_text("\n".join(lines))
    update.measure = measure
    return update


# --- the panels of the chapters -------------------------------------------------------------------
def _slider(description, options, value, labels=None):
    """A SelectionSlider that reports only when released (ipywidgets 7.7 and 8)."""
    pairs = list(zip(labels or [str(o) for o in options], options))
    return widgets.SelectionSlider(options=pairs, value=value, description=description,
                                   continuous_update=False, style={"description_width": "initial"})


def _choice(description, options, value, width):
    """ToggleButtons: options {value: label}."""
    return widgets.ToggleButtons(options=[(label, key) for key, label in options.items()], value=value,
                                 description=description,
                                 style={"button_width": width, "description_width": "initial"})


def _schedule(value):
    """The schedule control: the book's learning rate, or ten times larger; the same epochs."""
    return _choice("schedule", {"book": f"the book's: lr {SCHEDULES['book']:g}",
                                "plateau": f"to the plateau: lr {SCHEDULES['plateau']:g}"}, value, "180px")


def overfitting_panel(epochs=EPOCHS, background=False, **start):
    """Chapter 1: the number of training images, the network's width and depth, and the schedule;
    side view: the gap.  More images cost more steps per epoch: 5,000 images take 10-30 s per
    setting, so precompute() the settings a class will see (e.g. panel.precompute(n_train=[300, 1000])).

    schedule "plateau" (the default, lr 0.1) is chapter 1's section 5.2: every size finishes
    training within the panel's epochs.  "book" (lr 0.01) is section 5.1: a network with a single
    hidden layer on 300 images is still learning when the panel stops, and its smaller gap means
    unfinished, not less overfitting."""
    controls = {"n_train": _slider("training images", [300, 1000, 2000, 5000], 300),
                "width": _slider("width", [25, 50, 100, 200], 100),
                "depth": _slider("hidden layers", [1, 2, 3, 4, 5, 6], 6),
                "schedule": _schedule("plateau")}

    def build(s, seed):
        return MultiLayerNet(784, [s["width"]] * s["depth"], 10, seed=seed), {"lr": SCHEDULES[s["schedule"]]}

    return LivePanel(controls, build, gap_view, reference={"n_train": 300, "width": 100, "depth": 6},
                     reference_name="300 images, 6×100", start=start, name="overfitting", epochs=epochs,
                     background=background,
                     describe=lambda s: f"{s['n_train']} images, {s['depth']}×{s['width']} net, "
                                        f"{SCHEDULE_NAMES[s['schedule']]}")


LAMBDAS = [0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]


def penalty_panel(epochs=EPOCHS, background=False, **start):
    """Chapter 2: penalty none/L1/L2 and its strength lambda, at the book's schedule (lr 0.01, so a
    lambda means the decay budget of chapter 2); side view: the weight histogram.
    L1 takes the proximal step (soft thresholding), so weights can become exactly 0."""
    controls = {"penalty": widgets.ToggleButtons(options=["none", "L1", "L2"], value="none",
                                                 tooltips=["no penalty", "L1: λ·Σ|w|", "L2: ½λ·Σw²"],
                                                 style={"button_width": "56px"}),
                "lam": _slider("λ", LAMBDAS, 0.0, labels=[f"{lam:g}" for lam in LAMBDAS])}

    def normalize(s):        # no penalty and lambda = 0 are the same run
        return {"penalty": "none", "lam": 0.0} if s["penalty"] == "none" or s["lam"] == 0 else dict(s)

    def build(s, seed):
        strength = {"weight_decay_lambda" if s["penalty"] == "L2" else "l1_lambda": s["lam"]}
        return MultiLayerNet(784, [100] * 6, 10, seed=seed, l1_method="proximal", **strength), {"lr": SCHEDULES["book"]}

    def describe(s):
        what = "no penalty" if s["penalty"] == "none" else f"{s['penalty']}, λ = {s['lam']:g}"
        return f"{what}, {SCHEDULE_NAMES['book']}"

    def inactive(s):
        return {"lam": "λ does not apply without a penalty: choose L1 or L2"} if s["penalty"] == "none" else {}

    return LivePanel(controls, build, weights_view, reference={"penalty": "none", "lam": 0.0},
                     reference_name="no penalty", start=start,
                     normalize=normalize, describe=describe, inactive=inactive, name="penalty",
                     epochs=epochs, background=background)


RATIOS = [round(0.1 * i, 1) for i in range(9)]
MODES = {"inverted": "inverted", "book": "the book's"}


def dropout_panel(epochs=EPOCHS, background=False, **start):
    """Chapter 3: the dropout ratio from 0 to 0.8, the dropout mode and the schedule; side view: the gap.

    mode "inverted" (the default, lib's) or "book" (the book's: no scaling in training, times 1 - p
    at test time).  At the book's schedule (lr 0.01) the two train very differently (chapter 3,
    section 4.1); "to the plateau" (lr 0.1, the default) is the fair comparison of section 4.2,
    where dropout runs finish (the book's mode later than the inverted one)."""
    controls = {"dropout_ratio": _slider("dropout ratio", RATIOS, 0.0),
                "mode": _choice("mode", MODES, "inverted", "90px"),
                "schedule": _schedule("plateau")}

    def normalize(s):        # without dropout the mode changes nothing
        return {**s, "mode": "inverted"} if s["dropout_ratio"] == 0 else dict(s)

    def build(s, seed):
        net = MultiLayerNet(784, [100] * 6, 10, seed=seed, dropout_ratio=s["dropout_ratio"], dropout_mode=s["mode"])
        return net, {"lr": SCHEDULES[s["schedule"]]}

    def describe(s):
        what = f"dropout {s['dropout_ratio']:g} ({MODES[s['mode']]})" if s["dropout_ratio"] else "no dropout"
        return f"{what}, {SCHEDULE_NAMES[s['schedule']]}"

    def inactive(s):
        return {"mode": "the mode does not apply without dropout"} if s["dropout_ratio"] == 0 else {}

    return LivePanel(controls, build, gap_view, reference={"dropout_ratio": 0.0},
                     reference_name="no dropout", start=start, name="dropout",
                     normalize=normalize, describe=describe, inactive=inactive, epochs=epochs, background=background)


# --- chapters 1-3: the 2-D lab (lib/toy2d.py) -------------------------------------------------------
LAMBDAS_2D = [0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1]
WIDTHS_2D, DEPTHS_2D = [10, 25, 50, 100, 200], [1, 2, 3, 4]
GRID_2D = 61                            # grid points per axis of the panel's decision regions


def _level_line(xs, ys, p, level=0.5):
    """The contour p = level as one polyline (pieces separated by NaN rows) for Line2D.set_data."""
    import contourpy          # matplotlib's own contouring library
    pieces = contourpy.contour_generator(xs, ys, p).lines(level)
    if not pieces:
        return [], []
    joined = np.vstack([np.vstack([piece, [[np.nan, np.nan]]]) for piece in pieces])
    return joined[:, 0], joined[:, 1]


def boundary_view(data, faint="faint"):
    """A view(ax, epochs) for LivePanel: the decision regions of a 2-D classifier trained on
    data = ((x, t), (x_test, t_test)): the class-1 probability (mean over the seeds) in colour, its
    0.5 line bold, the reference's 0.5 line faint and dashed, the training points large, a faint
    sample of the test points; the corner text gives the largest logit slope (toy2d.logit_slope)."""
    from . import toy2d
    (x, t), (x_test, t_test) = data
    xs = np.linspace(toy2d.LIMITS[0], toy2d.LIMITS[1], GRID_2D)
    ys = np.linspace(toy2d.LIMITS[2], toy2d.LIMITS[3], GRID_2D)
    slope_points = x_test[:1000]

    def view(ax, epochs):
        regions = ax.imshow(np.full((GRID_2D, GRID_2D), 0.5), cmap="RdBu_r", vmin=0, vmax=1, alpha=0.55,
                            origin="lower", extent=toy2d.LIMITS, interpolation="bilinear")
        colors = np.array(toy2d.CLASS_COLORS)
        ax.scatter(x_test[:600, 0], x_test[:600, 1], s=3, c=colors[t_test[:600]], alpha=0.3, lw=0)
        ax.scatter(x[:, 0], x[:, 1], s=22, c=colors[t], edgecolors="k", linewidths=0.6)
        ref_line, = ax.plot([], [], color="k", lw=1.6, ls="--", alpha=0.45)
        cur_line, = ax.plot([], [], color="k", lw=2.4)
        text = ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize=10, va="bottom",
                       bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 2})
        ax.set(xlim=toy2d.LIMITS[:2], ylim=toy2d.LIMITS[2:], xticks=[], yticks=[], aspect="equal")
        ax.set_title(f"decision regions; dashed: {faint}", fontsize=11)

        def measure(net):
            """(class-1 probability on the grid (G, G), largest logit slope): what a Run keeps."""
            return toy2d.probability_grid(net, toy2d.LIMITS, GRID_2D)[2], toy2d.logit_slope(net, slope_points)

        def mean_of(curves):
            if curves is None or not curves.side:
                return None, None
            return np.mean([p for p, _ in curves.side], axis=0), _mean_sd([s for _, s in curves.side])

        def update(current, reference):
            p, slope = mean_of(current)
            regions.set_data(np.full((GRID_2D, GRID_2D), 0.5) if p is None else p)
            cur_line.set_data(*(([], []) if p is None else _level_line(xs, ys, p)))
            ref_p, ref_slope = mean_of(reference)
            ref_line.set_data(*(([], []) if ref_p is None else _level_line(xs, ys, ref_p)))
            lines = [] if slope is None else [f"largest slope of the logit: {slope[0]:.0f}"]
            lines += [] if ref_slope is None else [f"faint: {ref_slope[0]:.0f}"]
            text.set_text("\n".join(lines))
            text.set_visible(bool(lines))
        update.measure = measure
        return update
    return view


class BoundaryPanel(LivePanel):
    """A LivePanel whose side view (boundary_view: the decision regions, an image redrawn with the
    lines) is the large picture on the left, with the accuracy curves on the right."""

    def _make_figure(self, side_view):
        super()._make_figure(side_view)
        self.figure.set_size_inches(10, 4.2)
        curves, regions = self.figure.axes[:2]
        regions.set_position([0.005, 0.03, 0.42, 0.85])
        curves.set_position([0.49, 0.13, 0.485, 0.74])
        curves.set_ylim(0.45, 1.02)
        n_test = len(self.data()[1][0])
        curves.legend_.get_texts()[1].set_text(f"test ({n_test:,} points)")
        self._moving = regions.images + self._moving     # LivePanel redraws lines and texts; the regions first


def boundary_panel(epochs=None, background=False, **start):
    """Chapters 1-3: the 2-D lab (lib/toy2d.py).  Penalty none/L1/L2 and its λ, the dropout ratio,
    the network's width and depth; the picture: the decision regions of the current setting (bold
    boundary) over the unregularized one (same width and depth, no penalty, no dropout: dashed),
    and the train/test accuracy curves.  Trains toy2d's lab setting: 100 noisy training points,
    full batch, Adam lr 0.01, toy2d.LAB["epochs"] epochs (about 0.2-0.4 s a run); test accuracy on
    toy2d's 3,000 test points."""
    from . import toy2d
    data = toy2d.lab_data()
    epochs = toy2d.LAB["epochs"] if epochs is None else epochs
    controls = {"penalty": widgets.ToggleButtons(options=["none", "L1", "L2"], value="none",
                                                 tooltips=["no penalty", "L1: λ·Σ|w|", "L2: ½λ·Σw²"],
                                                 style={"button_width": "56px"}),
                "lam": _slider("λ", LAMBDAS_2D, 0.0, labels=[f"{lam:g}" for lam in LAMBDAS_2D]),
                "dropout_ratio": _slider("dropout", RATIOS, 0.0),
                "width": _slider("width", WIDTHS_2D, toy2d.LAB["width"]),
                "depth": _slider("hidden layers", DEPTHS_2D, toy2d.LAB["depth"])}

    def normalize(s):        # no penalty and lambda = 0 are the same run
        return {**s, "penalty": "none", "lam": 0.0} if s["penalty"] == "none" or s["lam"] == 0 else dict(s)

    def build(s, seed):
        net = toy2d.lab_net(s["penalty"], s["lam"], s["dropout_ratio"], s["width"], s["depth"], seed)
        return net, {"optimizer": toy2d.LAB["optimizer"], "lr": toy2d.LAB["lr"], "batch_size": len(data[0][0])}

    def describe(s):
        what = "no penalty" if s["penalty"] == "none" else f"{s['penalty']}, λ = {s['lam']:g}"
        what += f", dropout {s['dropout_ratio']:g}" if s["dropout_ratio"] else ""
        return f"{what}, {s['depth']}×{s['width']} net"

    def inactive(s):
        return {"lam": "λ does not apply without a penalty: choose L1 or L2"} if s["penalty"] == "none" else {}

    n_train = len(data[0][0])
    return BoundaryPanel(controls, build, boundary_view(data, "no penalty, no dropout"), name="boundary",
                         reference={"penalty": "none", "lam": 0.0, "dropout_ratio": 0.0},
                         reference_name="no penalty, no dropout", start=start, normalize=normalize,
                         describe=describe, inactive=inactive, epochs=epochs, eval_every=max(epochs // 24, 1),
                         background=background, data=lambda: data,
                         note=f"{n_train} training points, full batch, Adam, {epochs} epochs")
