"""Speed benchmark: python -m lib.bench [--repeat 5] [--json] [--profile]

Workloads (the book's overfitting experiment, section 6.4):
  book-overfit  300 training images, 784-100x6-10 ReLU net, He init, SGD lr 0.01, batch 100,
                201 epochs of 3 steps, accuracy on the 300 and on all 10,000 test images after
                every epoch
  train-only    the same training without the per-epoch evaluation
  book-overfit-float64   book-overfit in float64 (the book's precision), for a ratio in one run
Prints the BLAS library and the number of threads it runs with (set OPENBLAS_NUM_THREADS before
Python starts; the notebooks' setup cell sets 1), then the median seconds of `--repeat` runs per
workload; --json prints one JSON object.
"""
import argparse
import ctypes
import json
import os
import statistics
import time

import numpy as np

from .data import load_mnist
from .net import MultiLayerNet
from .train import train


def book_overfit(evaluate=True, seed=0, dtype=np.float32):
    (x_train, t_train), (x_test, t_test) = _DATA
    net = MultiLayerNet(784, [100] * 6, 10, seed=seed, dtype=dtype)
    train(net, x_train[:300], t_train[:300], *( (x_test, t_test) if evaluate else (None, None)),
          epochs=201, batch_size=100, optimizer="sgd", lr=0.01, eval_train=evaluate, seed=seed)


WORKLOADS = {
    "book-overfit": lambda: book_overfit(evaluate=True),
    "train-only": lambda: book_overfit(evaluate=False),
    # For comparison in the same run: the same work in float64, the book's precision.
    "book-overfit-float64": lambda: book_overfit(evaluate=True, dtype=np.float64),
}
_DATA = None


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


def main(argv=None):
    global _DATA
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per workload (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON object {workload: seconds}")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one book-overfit run")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    _DATA = load_mnist()
    if args.profile:
        import cProfile
        import pstats
        cProfile.runctx("book_overfit()", globals(), {}, "/tmp/bench.prof")
        pstats.Stats("/tmp/bench.prof").sort_stats("tottime").print_stats(12)
        return
    blas = blas_info()
    if not args.json:
        print(f"BLAS: {blas['library']}, {blas['threads'] or 'unknown number of'} thread(s) "
              f"(OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}), {blas['cores']} cores",
              flush=True)
    results = {}
    for name, fn in WORKLOADS.items():
        fn()   # warm-up (first-touch memory, BLAS threads)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        results[name] = statistics.median(times)
        if not args.json:
            print(f"{name:14s} median {results[name]:.3f} s over {args.repeat} runs "
                  f"(min {min(times):.3f}, max {max(times):.3f})", flush=True)
    if args.json:
        print(json.dumps({**{k: round(v, 4) for k, v in results.items()}, "blas": blas}))


if __name__ == "__main__":
    main()
