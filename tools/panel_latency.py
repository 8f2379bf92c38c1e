"""How fast do the live panels answer?  python tools/panel_latency.py [--panel NAME ... | all]

Builds a panel in this process (no browser), trains its reference once (warm-up), then moves one
control at a time from Python, as releasing a slider does, and times the widgets' updates by
observing the `value` trait of the status line (HTML) and of the picture (Image):

    acknowledgement  control set -> first change of the status line           target 0.1 s
    first partial    control set -> first new picture (a partial curve)       target 0.3 s
    complete         control set -> the final picture of the setting          target 1 s per seed
    cached           control set back to a trained setting -> its picture     target 0.15 s

Every panel is measured (overfitting, penalty, dropout, and the 2-D lab's boundary panel moving
its λ and its dropout ratio), and the dropout panel once more with 3
seeds: three runs one after another, so its complete picture may take 3 times as long, while its
first partial picture must still come within 0.3 s.  Prints one line per setting (with the CPU
seconds the process spent on it), then per sweep the median and the maximum of each figure.  These are kernel-side times: a browser adds the message transfer and the
drawing of the PNG (a few ms on the same machine, a network round trip on Binder or Colab).  The
book's experiment: 300 images, 784-100x6-10 ReLU, 200 epochs, test curve on 2,000 test images
every 8 epochs.  --blas-threads 1 sets OPENBLAS_NUM_THREADS before numpy loads: on a machine
whose cores are busy with other work, more BLAS threads than free cores can be many times slower.
"""
import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGETS = {"acknowledgement": 0.1, "first partial": 0.3, "complete": 1.0, "cached": 0.15}
SWEEPS = {   # (the factory, its start setting, the control to move, the values it is set to in turn)
    "overfitting": ("overfitting_panel", dict(), "depth", [1, 2, 3, 4, 5]),
    "penalty": ("penalty_panel", dict(penalty="L2", lam=0.0), "lam", [1e-4, 1e-3, 0.01, 0.03, 0.1, 0.3, 1.0]),
    "dropout": ("dropout_panel", dict(dropout_ratio=0.0), "dropout_ratio", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
    "dropout-3-seeds": ("dropout_panel", dict(dropout_ratio=0.0, seeds=3), "dropout_ratio", [0.1, 0.2, 0.3]),
    "boundary": ("boundary_panel", dict(penalty="L2", lam=0.0), "lam", [1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1]),
    "boundary-dropout": ("boundary_panel", dict(dropout_ratio=0.0), "dropout_ratio", [0.1, 0.2, 0.3, 0.5]),
}


class Recorder:
    """Timestamps of every change of the status line and of the picture."""

    def __init__(self, panel):
        self.events, self.t0, self.done, self.panel = [], 0.0, threading.Event(), panel
        panel.status.observe(self._on_status, names="value")
        panel.image.observe(lambda change: self.events.append(("image", time.perf_counter() - self.t0)),
                            names="value")

    def _on_status(self, change):
        self.events.append(("status", time.perf_counter() - self.t0))
        if self.panel.state != "busy":
            self.done.set()

    def start(self):
        self.events.clear()
        self.done.clear()
        self.t0 = time.perf_counter()


def move(panel, recorder, name, value):
    """Set one control as a slider release does; return {metric: seconds} and the picture count."""
    recorder.start()
    cpu = time.process_time()
    panel.controls[name].value = value
    if not recorder.done.wait(timeout=120):           # background mode returns before the work is done
        raise RuntimeError(f"{name}={value}: no result after 120 s")
    time.sleep(0.01 if panel.background else 0)
    if panel.state != "ready":
        raise RuntimeError(f"{name}={value} did not finish: {panel.status.value}")
    status = [t for kind, t in recorder.events if kind == "status"]
    images = [t for kind, t in recorder.events if kind == "image"]
    return status[0], images[0], images[-1], len(images), time.process_time() - cpu


def train_alone(kind):
    """CPU seconds for the same training without evaluation or pictures: the yardstick."""
    from lib import MultiLayerNet, train
    from lib.panel import panel_data
    if kind.startswith("boundary"):      # the 2-D lab: lib/toy2d.py's network and schedule
        from lib import toy2d
        (x, t), _ = toy2d.lab_data()
        start = time.process_time()
        train(toy2d.lab_net(), x, t, epochs=toy2d.LAB["epochs"], batch_size=len(x), optimizer=toy2d.LAB["optimizer"],
              lr=toy2d.LAB["lr"], eval_train=False)
        return time.process_time() - start
    (x, t), _ = panel_data()
    start = time.process_time()
    train(MultiLayerNet(784, [100] * 6, 10, seed=0), x[:300], t[:300], epochs=200, eval_train=False)
    return time.process_time() - start


def sweep(kind, background):
    import lib.panel
    factory, start, name, values = SWEEPS[kind]
    panel = getattr(lib.panel, factory)(background=background, **start)
    seeds = panel.settings()["seeds"]
    recorder = Recorder(panel)
    t = time.perf_counter()
    panel.refresh()                                   # the reference run; also warms up memory and BLAS
    if background:
        recorder.done.wait(120)
    print(f"\n{kind} panel ({'background thread' if background else 'training in the callback'}, "
          f"{seeds} seed(s) per setting); first setting trained in {time.perf_counter() - t:.2f} s")
    print(f"  {'setting':50s} {'ack':>7s} {'first':>7s} {'complete':>9s} {'pictures':>9s} {'CPU s':>7s} {'ratio':>6s}")
    figures = {metric: [] for metric in TARGETS}
    figures["CPU seconds"], figures["CPU ratio"] = [], []
    for value in values:
        alone = seeds * train_alone(kind)                 # measured next to each setting: load varies
        ack, first, complete, pictures, cpu = move(panel, recorder, name, value)
        figures["CPU seconds"].append(cpu)
        figures["CPU ratio"].append(cpu / alone)
        for metric, seconds in zip(("acknowledgement", "first partial", "complete"), (ack, first, complete)):
            figures[metric].append(seconds)
        label = panel._what(*panel._split(panel.settings()))
        print(f"  {label:50s} {ack:7.3f} {first:7.3f} {complete:9.3f} {pictures:9d} {cpu:7.3f} "
              f"{cpu / alone:6.2f}", flush=True)
    for value in values[-2::-1] + [values[-1]]:        # back to settings trained before: the cache
        figures["cached"].append(move(panel, recorder, name, value)[2])
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panel", choices=list(SWEEPS) + ["all"], nargs="+", default=["all"])
    parser.add_argument("--background", action="store_true", help="measure the opt-in background-thread mode")
    parser.add_argument("--blas-threads", type=int, help="set OPENBLAS_NUM_THREADS (and OMP_, MKL_) first")
    args = parser.parse_args(argv)
    if args.blas_threads:    # must happen before numpy is imported
        for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[key] = str(args.blas_threads)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    blas = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ}
    print(f"machine: {os.cpu_count()} CPUs, load average {load}, BLAS threads {blas or 'default'}")
    ratios = []
    for kind in (list(SWEEPS) if "all" in args.panel else args.panel):
        figures = sweep(kind, args.background)
        seeds = SWEEPS[kind][1].get("seeds", 1)
        print(f"  {'metric':16s} {'median':>7s} {'max':>7s} {'target':>7s}  "
              f"(seconds, {len(figures['complete'])} settings, {kind})")
        for metric, values in figures.items():
            median, target = statistics.median(values), TARGETS.get(metric)
            target = target * seeds if metric == "complete" and target else target
            verdict = "" if target is None else "ok" if median <= target else "SLOWER than the target"
            print(f"  {metric:16s} {median:7.3f} {max(values):7.3f} {target or '':>7}  {verdict}")
        ratios += [] if kind.startswith("boundary") else figures["CPU ratio"]   # the MNIST panels' ratio
    if not ratios:
        return
    ratio = statistics.median(ratios)
    print(f"\n  ratio (MNIST panels): CPU seconds of the panel's run / CPU seconds of train() alone (same 200 epochs, no"
          f"\n  evaluation, no pictures), measured next to each other.  Where train() alone takes 0.55 s"
          f"\n  (an idle 2-core machine), a complete curve takes about {ratio:.2f} x 0.55 = {ratio * 0.55:.2f} s;"
          f"\n  less if this machine was busy, because the panel then draws more pictures (one per 0.25 s).")


if __name__ == "__main__":
    main()
