"""The first cell of every notebook, defined once here: `python tools/setup_cell.py` writes it
into all notebooks, and tests/test_notebooks_clean.py checks that they carry this exact text.

On Google Colab the cell clones the repository (REPO_URL below, the one place it is written) and
makes `lib` and `data` importable (a folder left by an interrupted clone, without lib/__init__.py,
is removed and cloned again); elsewhere it only makes sure `lib` is importable from the
repository that holds the notebook, and does nothing if it already is.  Everywhere it pins the
BLAS library to one thread before numpy loads: float32 sums then come out the same in every
run (the notebooks quote their numbers), and on small machines shared by several kernels the
threads would only fight over the cores.
"""
import sys
from pathlib import Path

REPO_URL = "https://github.com/overfitting-course/overfitting-from-scratch.git"

SETUP_CELL = f'''# Setup: on Google Colab, fetch the course code and data; elsewhere, nothing to fetch.
import os, sys, subprocess, shutil
# One BLAS thread: the numbers printed below then match the text on any machine, and small
# matrix products are no slower (set before numpy is first imported; your own setting wins).
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
REPO_URL = os.environ.get("COURSE_REPO_URL", "{REPO_URL}")
if "google.colab" in sys.modules or os.environ.get("COURSE_FORCE_COLAB_SETUP"):
    if os.path.isdir("overfitting-course") and not os.path.isfile("overfitting-course/lib/__init__.py"):
        print("overfitting-course/ is incomplete (interrupted clone?): deleting it and cloning again")
        shutil.rmtree("overfitting-course")
    if not os.path.isdir("overfitting-course"):
        subprocess.run(["git", "clone", "--depth", "1", REPO_URL, "overfitting-course"], check=True)
    sys.path.insert(0, os.path.abspath("overfitting-course"))
elif os.path.isdir("../lib") and os.path.abspath("..") not in sys.path:
    sys.path.insert(0, os.path.abspath(".."))'''

SETUP_METADATA = {"tags": ["setup"], "slideshow": {"slide_type": "skip"}}


def sync(paths):
    """Make the first code cell of each notebook the setup cell (insert it if missing)."""
    import nbformat
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        first = next((c for c in nb.cells if c.cell_type == "code"), None)
        if first is not None and "setup" in first.metadata.get("tags", []):
            first.source = SETUP_CELL
            first.metadata.update(SETUP_METADATA)
        else:
            cell = nbformat.v4.new_code_cell(SETUP_CELL, metadata=dict(SETUP_METADATA))
            index = nb.cells.index(first) if first is not None else len(nb.cells)
            nb.cells.insert(index, cell)
        nbformat.write(nb, path)
        print("setup cell synced:", path)


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    sync(sys.argv[1:] or sorted(str(p) for p in (root / "notebooks").glob("[0-9]*.ipynb")))
