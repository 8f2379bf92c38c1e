"""Measure how long each chapter takes to run top to bottom, as the README's "runs in" column states.

Each chapter is executed in a fresh kernel with one BLAS thread (as the setup cell sets), from
notebooks/ (so the setup cell finds ../lib), in memory: the committed notebook is not written.
Wall time covers kernel start to the last cell. Measure on a quiet machine: other programs on the
cores make every number larger.

    .venv/bin/python tools/time_chapters.py                      # every chapter
    .venv/bin/python tools/time_chapters.py notebooks/01_overfitting.ipynb --repeat 3
    .venv/bin/python tools/time_chapters.py --json               # one JSON object
The kernel's CPU time is printed too: on a busy machine it is the better estimate of a quiet run.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def time_chapter(path, timeout=1800):
    """(wall seconds, kernel CPU seconds) to execute the notebook at `path` top to bottom in a
    fresh kernel.  The kernel's CPU time (Linux: /proc) is what a quiet one-core run would take;
    wall time grows with whatever else uses the cores."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
        for index, cell in enumerate(client.nb.cells):
            client.execute_cell(cell, index)
        cpu = _cpu_seconds(pid)
    return time.perf_counter() - start, cpu


def _cpu_seconds(pid):
    """User + system CPU seconds of process `pid` and its finished children, or None off Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError, IndexError):
        return None
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="chapters to time (default: notebooks/[0-9]*.ipynb)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per chapter; the fastest is reported")
    parser.add_argument("--json", action="store_true", help="print one JSON object {chapter: {\"wall\": s, \"cpu\": s}}")
    args = parser.parse_args(argv)
    # The kernel inherits this environment: one BLAS thread, as in the notebooks and the tests.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    results = {}
    for path in paths:
        runs = [time_chapter(path) for _ in range(max(1, args.repeat))]
        wall, cpu = min(runs)
        results[Path(path).stem] = {"wall": round(wall, 1), "cpu": None if cpu is None else round(cpu, 1)}
        if not args.json:
            shown = ", ".join(f"{r[0]:.1f}" for r in runs)
            cpu_text = "" if cpu is None else f", kernel CPU {cpu:.1f} s"
            print(f"{Path(path).stem}: {wall:.1f} s wall{cpu_text}" + (f" (runs: {shown})" if len(runs) > 1 else ""),
                  flush=True)
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
