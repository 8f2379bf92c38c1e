"""Measure how long each chapter takes to run top to bottom, as the README's "runs in" column states.

Each chapter is executed in a fresh kernel with one BLAS thread (as the setup cell sets), from
notebooks/ (so the setup cell finds ../lib), in memory: the committed notebook is not written.
Wall time covers kernel start to the last cell. Measure on a quiet machine: other programs on the
cores make every number larger.

    .venv/bin/python tools/time_chapters.py                      # every chapter
    .venv/bin/python tools/time_chapters.py notebooks/01_overfitting.ipynb --repeat 3
    .venv/bin/python tools/time_chapters.py --json               # one JSON object
The kernel's CPU time is printed too: on a busy machine it is the better estimate of a quiet run.
tests/test_colab_like.py uses the same CPU cell and the README's table (stated_seconds) to fail
when a chapter takes more than twice the time the README states.
"""
import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"

# The kernel measures itself: a last cell, appended to a copy of the chapter, prints the CPU seconds
# of the kernel process and of its finished child processes since the kernel started (os.times).
CPU_MARK = "kernel CPU seconds:"
CPU_CELL = f"import os as _os\nprint({CPU_MARK!r}, round(sum(_os.times()[:4]), 2))"


def add_cpu_cell(nb):
    """Append the CPU cell to a notebook (an nbformat v4 object, changed in place); returns it."""
    import nbformat
    nb.cells.append(nbformat.v4.new_code_cell(CPU_CELL))
    return nb


def printed_cpu_seconds(nb):
    """The kernel CPU seconds that the CPU cell (add_cpu_cell) printed in an executed notebook."""
    for cell in reversed(nb.cells):
        if cell.cell_type == "code" and cell.source == CPU_CELL:
            text = "".join(out.get("text", "") for out in cell.get("outputs", []) if out.output_type == "stream")
            found = re.search(re.escape(CPU_MARK) + r"\s*([0-9.]+)", text)
            if found:
                return float(found.group(1))
            raise ValueError(f"the CPU cell printed no {CPU_MARK!r} line; its output: {text!r}")
    raise ValueError("the notebook has no CPU cell: add one with add_cpu_cell(nb) before executing it")


def time_chapter(path, timeout=1800):
    """(wall seconds, kernel CPU seconds) to execute the notebook at `path` top to bottom in a
    fresh kernel.  The kernel's CPU time is what a quiet one-core run would take; wall time grows
    with whatever else uses the cores."""
    import nbformat
    from nbclient import NotebookClient
    nb = add_cpu_cell(nbformat.read(path, as_version=4))
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(client.nb.cells):
            client.execute_cell(cell, index)
    return time.perf_counter() - start, printed_cpu_seconds(client.nb)


_DURATION = re.compile(r"^~?\s*(\d+(?:\.\d+)?)\s*(s|sec|seconds?|min|minutes?)$")


def stated_seconds(readme=README):
    """{chapter stem: seconds} from the "runs in" column of the README's chapter table, the one
    place that states how long each chapter runs ("~1.5 min" -> 90.0, "~40 s" -> 40.0)."""
    column, stated = None, {}
    for number, line in enumerate(Path(readme).read_text(encoding="utf-8").splitlines(), 1):
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else []
        if column is None:
            column = next((i for i, c in enumerate(cells) if c.lower().startswith("runs in")), None)
            continue
        if not cells:
            if stated:
                break                   # the end of the chapter table
            continue
        links = re.findall(r"notebooks/([\w.-]+)\.ipynb", line)
        if not links:
            continue                    # the |---| line
        chapter = links[0]
        found = _DURATION.match(cells[column]) if column < len(cells) else None
        if not found:
            raise ValueError(f"{readme}, line {number}: the run time of {chapter} is "
                             f"{cells[column] if column < len(cells) else 'missing'!r}; write it as e.g. "
                             "'~40 s' or '~1.5 min'")
        stated[chapter] = float(found.group(1)) * (60 if found.group(2).startswith("min") else 1)
    if not stated:
        raise ValueError(f"{readme}: no chapter table with a 'runs in' column")
    return stated


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
    stated = stated_seconds()
    results = {}
    for path in paths:
        runs = [time_chapter(path) for _ in range(max(1, args.repeat))]
        wall, cpu = min(runs)
        results[Path(path).stem] = {"wall": round(wall, 1), "cpu": round(cpu, 1)}
        if not args.json:
            shown = ", ".join(f"{r[0]:.1f}" for r in runs)
            readme = f"; README: {stated[Path(path).stem]:.0f} s" if Path(path).stem in stated else ""
            print(f"{Path(path).stem}: {wall:.1f} s wall, kernel CPU {cpu:.1f} s{readme}"
                  + (f" (runs: {shown})" if len(runs) > 1 else ""), flush=True)
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
