"""The output policy of CONTRIBUTING.md, checked on every committed chapter notebook.

Notebooks are committed executed, with their outputs (so GitHub shows the figures), and:
  - valid nbformat 4, kernel "python3" (what Colab and Binder start);
  - executed top to bottom in one run: every non-empty code cell has an execution count, and
    the counts increase;
  - no error outputs, no tracebacks in stderr;
  - no saved widget state (no metadata.widgets: a panel shows up when the notebook runs);
  - under 2 MB each;
  - the first code cell is the setup cell (its exact text is checked in test_colab_setup.py);
  - every exercise cell (### BEGIN SOLUTION ... ### END SOLUTION) is followed by a one-line
    check cell that calls a check on the function the exercise defines;
  - no absolute local paths (/work/, /tmp/, /home/..., C:\\Users\\...) in outputs.

To re-execute a notebook without storing widget state:
    jupyter nbconvert --to notebook --execute --inplace \
        --ExecutePreprocessor.store_widget_state=False notebooks/NN_topic.ipynb
"""
import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
MAX_BYTES = 2 * 1024 * 1024
EXECUTE = ("jupyter nbconvert --to notebook --execute --inplace "
           "--ExecutePreprocessor.store_widget_state=False notebooks/{name}")
LOCAL_PATH = re.compile(r"(?<![\w.])(/work/|/tmp/|/root/|/home/\w|/Users/\w|/private/var/|[A-Za-z]:\\\\?Users\\)")
CHECK_LINE = re.compile(r"^check_\w+\((.*)\);?$")     # a trailing ; hides the returned True/False

pytestmark = pytest.mark.skipif(not NOTEBOOKS, reason="no chapter notebooks in notebooks/ yet")


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def output_texts(cell):
    """Every piece of text an output carries (streams, tracebacks, text/* and JSON data)."""
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            yield out.text
        elif out.output_type == "error":
            yield "\n".join(out.traceback)
        else:
            for mime, data in out.get("data", {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    yield data if isinstance(data, str) else json.dumps(data)


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def notebook(request):
    path = request.param
    return path, nbformat.read(path, as_version=4)


def test_valid_nbformat_and_kernel(notebook):
    path, nb = notebook
    nbformat.validate(nb)
    assert nb.nbformat == 4
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    assert kernel == "python3", f"{path.name}: kernelspec is {kernel!r}; it must be 'python3' (Colab, Binder)"


def test_size_limit(notebook):
    path, _ = notebook
    size = path.stat().st_size
    assert size < MAX_BYTES, (f"{path.name} is {size / 1e6:.2f} MB; the limit is 2 MB: lower the dpi of big "
                              "figures or show fewer of them")


def test_no_saved_widget_state(notebook):
    path, nb = notebook
    stored = "widgets" in nb.metadata
    assert not stored, (
        f"{path.name} stores widget state (metadata.widgets); execute it with\n  "
        + EXECUTE.format(name=path.name))


def test_executed_top_to_bottom(notebook):
    path, nb = notebook
    counts = [(i, c.execution_count) for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    missing = [i for i, n in counts if n is None]
    assert not missing, (f"{path.name}: cells {missing} (counted from 0) were not executed; the notebooks are committed "
                         "executed:\n  " + EXECUTE.format(name=path.name))
    numbers = [n for _, n in counts]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), (
        f"{path.name}: execution counts {numbers} are out of order; run it top to bottom in a fresh kernel:\n  "
        + EXECUTE.format(name=path.name))


def test_no_errors_in_outputs(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            assert out.output_type != "error", (
                f"{path.name}, cell {i}: stored error {out.ename}: {out.evalue}")
            if out.output_type == "stream" and out.name == "stderr":
                assert "Traceback" not in out.text, f"{path.name}, cell {i}: traceback in stderr:\n{out.text}"


def test_no_local_paths_in_outputs(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb.cells):
        for text in output_texts(cell):
            found = LOCAL_PATH.search(text)
            assert not found, (f"{path.name}, cell {i}: an output shows a local path "
                               f"({text[max(0, found.start() - 60):found.end() + 60]!r}); print relative paths "
                               "or names, and silence warnings that print file locations")


def test_setup_cell_first(notebook):
    path, nb = notebook
    cells = code_cells(nb)
    assert cells, f"{path.name} has no code cells"
    assert "setup" in cells[0].metadata.get("tags", []), (
        f"{path.name}: the first code cell is not the setup cell; run `python tools/setup_cell.py`")


def test_every_exercise_has_a_check_cell(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "### BEGIN SOLUTION" not in cell.source:
            continue
        assert cell.source.count("### BEGIN SOLUTION") == cell.source.count("### END SOLUTION"), (
            f"{path.name}, cell {i}: BEGIN SOLUTION and END SOLUTION markers do not pair up")
        defined = re.findall(r"^(?:def|class) (\w+)\b", cell.source, flags=re.M)
        assert defined, f"{path.name}, cell {i}: an exercise cell must define a function or class"
        nxt = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
        assert nxt is not None and nxt.cell_type == "code", (
            f"{path.name}, cell {i}: the exercise defining {defined[0]}() must be followed by a check cell")
        lines = [line for line in nxt.source.strip().splitlines() if line.strip()]
        assert len(lines) == 1, f"{path.name}, cell {i + 1}: the check cell must be one line, got {lines}"
        m = CHECK_LINE.match(lines[0].strip())
        assert m, f"{path.name}, cell {i + 1}: expected a call like check_name(function), got {lines[0]!r}"
        assert any(re.search(rf"\b{name}\b", m.group(1)) for name in defined), (
            f"{path.name}, cell {i + 1}: {lines[0]!r} does not check the function {defined} of the exercise")
