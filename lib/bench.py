"""Speed benchmark of the book's experiment: python -m lib.bench [--repeat 3] [--threads 1]
[--torch PYTHON] [--book PATH] [--json]

Times this library on the book's overfitting experiment (section 6.4) and, in the same run and
interleaved with it, the same work in PyTorch (tools/bench_torch.py, in an environment of your
own) and in the book's own code (a clone of its repository).  Only ratios measured in one run
mean anything: absolute seconds vary 2x between machines and with the load of this one.
"""
import argparse
import ctypes
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .data import load_mnist
from .net import MultiLayerNet
from .train import train

ROOT = Path(__file__).resolve().parent.parent
TORCH_SCRIPT = ROOT / "tools" / "bench_torch.py"
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

WORKLOADS = {
    "book-overfit": "300 training images, a 784-100x6-10 ReLU net (He init, float32), SGD lr 0.01, "
                    "mini-batches of 100, 201 epochs of 3 steps; after every epoch accuracy and loss on "
                    "the 300 training images and on all 10,000 test images (the book's ch06/overfit_*.py)",
    "train-only": "the same training without the per-epoch evaluation",
    "book-overfit-float64": "book-overfit with this library in float64, the book's precision (optional)",
}
DEFAULT_WORKLOADS = ("book-overfit", "train-only")

EPILOG = f"""workloads (--workload; default: {' '.join(DEFAULT_WORKLOADS)}):
""" + "\n".join(f"  {name:21s} {text}" for name, text in WORKLOADS.items()) + """

implementations, timed in turn within each round so that a change of load hits all of them:
  lib      this library (always)
  torch    the same work in PyTorch on the CPU, float32, the same weights and mini-batches
           (tools/bench_torch.py, run in a subprocess by the Python given with --torch; default:
           this Python if it can import torch, else the reference is skipped with a note)
  book     the book's own code, common/multi_layer_net.py and common/optimizer.SGD in float64
           (--book PATH: a clone of github.com/oreilly-japan/deep-learning-from-scratch or of
           its Korean edition WegraLee/deep-learning-from-scratch); the same mini-batches

BLAS threads: the benchmark runs with ONE BLAS thread unless --threads N.  The thread count must be
set before numpy loads its BLAS, so when OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS
do not already say N, `python -m lib.bench` starts itself again with them set (torch gets
torch.set_num_threads(N)).  One thread gives stable numbers on a shared machine and matches the
notebooks' setup cell; on a busy 2-core machine two processes with 2 BLAS threads each were 5-6
times slower than with one each.

Prints the BLAS library and its thread count first, then a progress line per timed run (which
round, workload and implementation; on stderr with --json), then per workload and implementation
the median wall-clock and CPU seconds over the rounds, the median ratios to PyTorch (or to this
library when there is no PyTorch) in the same round, and the last test accuracy (a check that the
implementations did the same work).  CPU seconds are the steadier figure on a busy machine.  The
default (3 rounds of this library alone) takes about half a minute on a quiet 2-core machine."""


# --- this library --------------------------------------------------------------------------
def book_overfit(evaluate=True, seed=0, dtype=np.float32, epochs=201, data=None):
    """One run of the book's experiment with this library (evaluate=False: train-only) -> History."""
    (x_train, t_train), (x_test, t_test) = data or load_mnist()
    net = MultiLayerNet(784, [100] * 6, 10, seed=seed, dtype=dtype)
    return train(net, x_train[:300], t_train[:300], *((x_test, t_test) if evaluate else (None, None)),
                 epochs=epochs, batch_size=100, optimizer="sgd", lr=0.01, eval_train=evaluate, seed=seed)


def lib_runner(data):
    """run(workload, epochs) -> (wall seconds, CPU seconds, last test accuracy or None)."""
    def run(workload, epochs):
        dtype = np.float64 if workload.endswith("float64") else np.float32

        def work():
            history = book_overfit(workload != "train-only", dtype=dtype, epochs=epochs, data=data)
            return history.test_acc[-1] if history.test_acc else None
        return _timed(work)
    return run


def _timed(fn):
    """(wall seconds, CPU seconds of this process, fn())"""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


# --- the book's own code -------------------------------------------------------------------
def book_runner(path, data):
    """run(workload, epochs) for the book's code in a clone of its repository at `path`:
    its MultiLayerNet (float64 weights, the book's defaults: ReLU, He init) and its SGD, on the same
    mini-batches as this library; book-overfit evaluates with its accuracy() on both sets, as
    ch06/overfit_weight_decay.py does.  Nothing of the book's code is part of this repository."""
    path = Path(path).expanduser().resolve()
    if not (path / "common" / "multi_layer_net.py").is_file():
        raise SystemExit(f"--book {path}: no common/multi_layer_net.py there; give the folder of a clone of "
                         "https://github.com/oreilly-japan/deep-learning-from-scratch (README, Speed)")
    sys.path.insert(0, str(path))
    try:
        from common.multi_layer_net import MultiLayerNet as BookNet
        from common.optimizer import SGD as BookSGD
    except Exception as err:
        raise SystemExit(f"--book {path}: its code did not import ({type(err).__name__}: {err})") from err
    (x_train, t_train), (x_test, t_test) = data
    x_train, t_train = x_train[:300], t_train[:300]

    def work(evaluate, epochs, seed=0):
        np.random.seed(seed)    # the book draws its initial weights from np.random
        net, optimizer = BookNet(784, [100] * 6, 10), BookSGD(lr=0.01)
        rng = np.random.default_rng(seed)
        test_acc = None
        for _ in range(epochs):
            order = rng.permutation(len(x_train))
            for i in range(0, len(x_train), 100):
                idx = order[i:i + 100]
                optimizer.update(net.params, net.gradient(x_train[idx], t_train[idx]))
            if evaluate:
                train_acc, test_acc = net.accuracy(x_train, t_train), net.accuracy(x_test, t_test)
        return test_acc

    def run(workload, epochs):
        return _timed(lambda: work(workload != "train-only", epochs))
    return run


# --- PyTorch, in a subprocess ----------------------------------------------------------------
class TorchWorker:
    """tools/bench_torch.py --worker, started with another Python: one line per run, both ways."""

    def __init__(self, python, threads):
        env = {**os.environ, **{var: str(threads) for var in THREAD_VARS}}
        self.proc = subprocess.Popen([python, str(TORCH_SCRIPT), "--worker", "--threads", str(threads)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.info = self._answer()

    def _answer(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"tools/bench_torch.py stopped (exit code {self.proc.wait()}); see its error above")
        return json.loads(line)

    def run(self, workload, epochs):
        self.proc.stdin.write(f"{workload} {epochs}\n")
        self.proc.stdin.flush()
        answer = self._answer()
        return answer["seconds"], answer["cpu_seconds"], answer["test_acc"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def find_torch(python):
    """(python, None) for the Python that runs the reference, or (None, why it is skipped)."""
    if python == "none":
        return None, "skipped (--torch none)"
    if python is None:
        if importlib.util.find_spec("torch") is None:
            return None, ("skipped: this Python has no torch; give --torch PYTHON, the python of an "
                          "environment with torch and numpy (README, Speed)")
        python = sys.executable
    if not TORCH_SCRIPT.is_file():
        return None, f"skipped: {TORCH_SCRIPT} is missing (it comes with the repository, not with pip)"
    try:
        check = subprocess.run([python, "-c", "import torch, numpy"], capture_output=True, text=True)
    except OSError as err:
        return None, f"skipped: cannot run {python} ({err.strerror or err})"
    if check.returncode != 0:
        last = (check.stderr.strip().splitlines() or ["no message"])[-1]
        return None, f"skipped: {python} cannot import torch and numpy ({last})"
    return python, None


# --- BLAS ------------------------------------------------------------------------------------
def blas_info():
    """{'library': numpy's BLAS and its version, 'threads': the thread count the loaded OpenBLAS
    reports (None if it cannot be asked), 'cores': os.cpu_count()}."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        library = f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip()
    except (TypeError, KeyError):
        library = "unknown"
    return {"library": library, "threads": _openblas_threads(), "cores": os.cpu_count()}


def _openblas_threads():
    """Ask the OpenBLAS that numpy loaded (found in /proc/self/maps, Linux) for its thread count."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line})
    except OSError:
        return None
    for path in paths:
        lib = ctypes.CDLL(path)
        for symbol in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                       "openblas_get_num_threads64_", "openblas_get_num_threads"):
            if hasattr(lib, symbol):
                return int(getattr(lib, symbol)())
    return None


def _restart_with_threads(threads, argv):
    """Start `python -m lib.bench argv` again with the BLAS thread variables set to `threads`
    (they only take effect before numpy loads its BLAS, which importing lib has already done)."""
    env = {**os.environ, **{var: str(threads) for var in THREAD_VARS}}
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "lib.bench", *argv], env)


# --- the run ---------------------------------------------------------------------------------
def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m lib.bench", description=__doc__.split("\n\n", 1)[1].strip(),
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds (default 3; the medians are printed)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS (and torch) threads (default 1)")
    parser.add_argument("--workload", nargs="+", choices=list(WORKLOADS), default=list(DEFAULT_WORKLOADS),
                        help="which workloads (default: %(default)s)")
    parser.add_argument("--torch", metavar="PYTHON",
                        help="the python of an environment with torch, for the PyTorch reference "
                             "('none' to skip it; default: this Python if it has torch)")
    parser.add_argument("--book", metavar="PATH", help="a clone of the book's repository, to time its own code")
    parser.add_argument("--epochs", type=int, default=201,
                        help="epochs per run (default 201, the workload; fewer only to try the benchmark out)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one book-overfit run")
    args = parser.parse_args(argv)
    for name in ("repeat", "threads", "epochs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    return args


def main(argv=None, restart=False):
    """The command line.  restart=True (python -m lib.bench): start again with the asked-for
    BLAS thread count when the environment does not set it; a call from Python cannot change the
    thread count of the BLAS already loaded, and reports the count it runs with."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if restart and any(os.environ.get(var) != str(args.threads) for var in THREAD_VARS):
        _restart_with_threads(args.threads, argv)
    data = load_mnist()
    if args.profile:
        import cProfile
        import pstats
        cProfile.runctx("book_overfit(data=data)", globals(), {"data": data}, "/tmp/bench.prof")
        pstats.Stats("/tmp/bench.prof").sort_stats("tottime").print_stats(12)
        return

    say = (lambda text: print(text, file=sys.stderr, flush=True)) if args.json else (lambda text: print(text, flush=True))
    blas = blas_info()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    say(f"BLAS: {blas['library']}, {blas['threads'] or 'unknown number of'} thread(s) "
        f"(OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}), {blas['cores']} cores"
        + (f", load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}" if load else ""))
    if blas["threads"] is not None and blas["threads"] != args.threads:
        say(f"warning: numpy's BLAS runs {blas['threads']} thread(s), not the {args.threads} asked for: the "
            "count must be set before numpy loads, so run `python -m lib.bench`, which restarts itself")

    runners = {"lib": lib_runner(data)}
    labels = {"lib": "this library (float32)", "torch": "PyTorch (float32)", "book": "the book's code (float64)"}
    python, why_not = find_torch(args.torch)
    worker = None
    if python is None:
        say(f"PyTorch reference: {why_not}")
    else:
        worker = TorchWorker(python, args.threads)
        runners["torch"] = worker.run
        labels["torch"] = f"PyTorch {worker.info['torch']} (float32)"
        say(f"PyTorch reference: torch {worker.info['torch']}, {worker.info['threads']} thread(s), run by {python}")
    if args.book:
        runners["book"] = book_runner(args.book, data)
        say(f"the book's code: {Path(args.book).expanduser().resolve()} (float64)")
    else:
        say("the book's code: skipped (give --book PATH, a clone of its repository; README, Speed)")

    plan = [(w, impl) for w in args.workload for impl in runners if impl == "lib" or w != "book-overfit-float64"]
    try:
        for workload, impl in plan:     # warm-up: memory, BLAS threads, torch's first calls
            runners[impl](workload, 3)
        runs = {key: [] for key in plan}
        for round_ in range(1, args.repeat + 1):
            for workload, impl in plan:
                wall, cpu, acc = runners[impl](workload, args.epochs)
                runs[workload, impl].append((wall, cpu, acc))
                say(f"  round {round_} of {args.repeat}: {workload}, {label(workload, impl, labels)}: "
                    f"{wall:.3f} s (CPU {cpu:.3f} s)")
    finally:
        if worker is not None:
            worker.close()
    results = summarize(runs)
    if args.json:
        print(json.dumps({"blas": blas, "threads": args.threads, "load_average": load, "epochs": args.epochs,
                          "labels": {impl: labels[impl] for impl in runners}, "results": results}))
    else:
        print_table(results, labels, args)


def summarize(runs):
    """{workload: {impl: {'seconds', 'cpu_seconds' (medians), 'ratio', 'cpu_ratio', 'runs', 'test_acc'}}}.
    ratio: the median over the rounds of this implementation's time / the reference's time in the same
    round; the reference is PyTorch when it ran, else this library in float32.  test_acc: the last
    epoch's test accuracy (book-overfit), a check that the implementations did the same work."""
    results = {}
    for (workload, impl), times in runs.items():
        base = workload.replace("-float64", "")
        ref = runs.get((base, "torch")) or runs.get((base, "lib")) or times
        results.setdefault(workload, {})[impl] = {
            "seconds": statistics.median(run[0] for run in times),
            "cpu_seconds": statistics.median(run[1] for run in times),
            "ratio": statistics.median(a[0] / b[0] for a, b in zip(times, ref)),
            "cpu_ratio": statistics.median(a[1] / b[1] for a, b in zip(times, ref)),
            "runs": [round(run[0], 4) for run in times],
            "cpu_runs": [round(run[1], 4) for run in times],
            "test_acc": times[-1][2],
        }
    return results


def label(workload, impl, labels):
    return "this library (float64)" if workload.endswith("float64") else labels[impl]


def print_table(results, labels, args):
    has_torch = any("torch" in by_impl for by_impl in results.values())
    print(f"\nmedians of {args.repeat} round(s), {args.threads} BLAS thread(s); ratio = seconds / seconds of "
          f"{'PyTorch' if has_torch else 'this library'} in the same round (median over the rounds)")
    print(f"{'workload':22s} {'implementation':28s} {'seconds':>8s} {'CPU s':>8s} {'ratio':>6s} {'CPU ratio':>9s} "
          f"{'test acc':>8s}")
    for workload, by_impl in results.items():
        for impl, r in by_impl.items():
            acc = "" if r["test_acc"] is None else f"{r['test_acc']:.4f}"
            print(f"{workload:22s} {label(workload, impl, labels):28s} {r['seconds']:8.3f} {r['cpu_seconds']:8.3f} "
                  f"{r['ratio']:6.2f} {r['cpu_ratio']:9.2f} {acc:>8s}")
    print("CPU s: the CPU time of the process, which a busy machine disturbs less than the wall-clock "
          "seconds.\ntest acc: the last epoch's, a check that the implementations did the same work "
          "(the book's code starts from other random weights).")


if __name__ == "__main__":
    main(restart=True)
