"""Every exercise of every chapter, and the student edition built from them.

For each exercise (a code cell with ### BEGIN/END SOLUTION markers, CONTRIBUTING.md):
  - the next cell is its check: one call of a check_... function on what the exercise defines;
  - the check passes (prints ✅, returns True) on the solution;
  - the check fails on the student stub (prints ❌ ... not written yet, returns False) and on a
    do-nothing body (returns False), without raising.
The solution cell and the stub are each run in a fresh namespace holding the notebook's imports,
as in a kernel where the reader ran the notebook's import cells.

For each chapter: the markers are well formed, the chapter has exercises, no later cell depends
on an exercise's function, no solution text survives in the student edition, and the student
edition runs top to bottom in a real kernel from a student/ folder beside lib/ and data/, each
check printing ❌ "not written yet".
"""
import ast
import builtins
import io
import os
import sys
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import student_edition as se  # noqa: E402

CHAPTERS = se.chapter_paths()
CELL_TIMEOUT = 300      # seconds, as nbval's --nbval-cell-timeout in pytest.ini


def read(path):
    return nbformat.read(path, as_version=4)


def load_exercises(path):
    """(exercises, error message or None) of one chapter."""
    try:
        return se.find_exercises(read(path), se._display(path)), None
    except se.MarkerError as e:
        return [], str(e)


EXERCISES = [(path, ex) for path in CHAPTERS for ex in load_exercises(path)[0]]
EXERCISE_IDS = [f"{path.stem}::{'+'.join(ex.names)}" for path, ex in EXERCISES]


# ---------------------------------------------------------------------------------- helpers

def python_source(cell_source):
    """A cell's source as plain Python (IPython magics translated)."""
    from IPython.core.inputtransformer2 import TransformerManager
    return TransformerManager().transform_cell(cell_source)


def notebook_imports(nb):
    """The import statements of a notebook's code cells (setup cell excluded), as one source."""
    statements = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "setup" in cell.metadata.get("tags", []):
            continue
        try:
            tree = ast.parse(python_source(cell.source))
        except SyntaxError:
            continue
        statements += [ast.unparse(node) for node in tree.body
                       if isinstance(node, (ast.Import, ast.ImportFrom))]
    return "\n".join(dict.fromkeys(statements))


def run_check(imports, cell_source, check_source):
    """Exec the imports and a cell in a fresh namespace, then eval the check call.

    Returns (result, printed text). A check that raises fails the test with its traceback."""
    namespace = {"__name__": "__main__"}
    exec(compile(imports, "<the notebook's imports>", "exec"), namespace)
    exec(compile(cell_source, "<exercise cell>", "exec"), namespace)
    missing = sorted({node.id for node in ast.walk(ast.parse(check_source))
                      if isinstance(node, ast.Name) and node.id not in namespace
                      and not hasattr(builtins, node.id)})
    assert not missing, (f"the check `{check_source}` uses {missing}, which neither the notebook's "
                         f"imports nor the exercise cell define")
    printed = io.StringIO()
    with redirect_stdout(printed):
        result = eval(compile(check_source, "<check cell>", "eval"), namespace)
    return result, printed.getvalue()


@pytest.fixture(scope="module")
def imports_of():
    cache = {}

    def get(path):
        if path not in cache:
            cache[path] = notebook_imports(read(path))
        return cache[path]
    return get


# ---------------------------------------------------------------------------------- chapters

@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_markers_are_well_formed(path):
    _, error = load_exercises(path)
    assert error is None, error


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_has_exercises(path):
    exercises, error = load_exercises(path)
    assert error is None, error
    assert exercises, (f"{se._display(path)} has no exercise (a code cell with "
                       f"### BEGIN SOLUTION / ### END SOLUTION markers)")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_later_cells_do_not_use_exercise_functions(path):
    """The student edition runs on with stubs only if no ordinary cell calls an exercise's
    function (exercise and check cells may)."""
    nb = read(path)
    exercises, error = load_exercises(path)
    assert error is None, error
    exercise_cells = {ex.index for ex in exercises} | {ex.check_index for ex in exercises}
    problems = []
    for ex in exercises:
        for index in range(ex.index + 1, len(nb.cells)):
            cell = nb.cells[index]
            if cell.cell_type != "code" or index in exercise_cells:
                continue
            try:
                tree = ast.parse(python_source(cell.source))
            except SyntaxError:
                continue
            used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} & set(ex.names)
            if used:
                problems.append(f"{se.describe_cell(ex.notebook, index, cell.source)} uses "
                                f"{sorted(used)} from the exercise in {ex.where}")
    assert not problems, ("in the student edition these cells would run with a stub:\n"
                          + "\n".join(problems))


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_student_edition_holds_no_solution(path):
    student, exercises = se.student_notebook(read(path), se._display(path))
    assert all(not cell.get("outputs") for cell in student.cells), "outputs left in"
    text = "\n".join(normalized(cell.source) for cell in student.cells)
    for ex in exercises:
        lines = ex.solution_source.splitlines()
        for block in ex.blocks:
            solution = normalized("\n".join(lines[block.begin + 1:block.end]))
            if len(solution) >= 12:         # `return x` alone is not a leak worth the name
                assert solution not in text, (
                    f"the solution of {ex.where} appears verbatim in the student edition")


def normalized(source):
    """Code lines stripped of indentation, comments and blank lines dropped."""
    return "\n".join(line.strip() for line in source.splitlines()
                     if line.strip() and not line.strip().startswith("#"))


def run_student_edition(path, exercises, tmp_path, full=False, paste_back=False):
    """Write the student edition of `path` into tmp_path/student (beside links to lib/ and
    data/, as in the repository) and execute it in a real kernel; return the executed notebook,
    the indices of its stub cells and those of the pasted-back solutions.

    paste_back=True does what a student does next: after each check cell it inserts the
    exercise's solution (as if typed in place of the stub) and the check again, so that the
    same kernel runs every check first on the stub and then on the solution.

    full=True runs every cell up to the last exercise's check, as a student's *Run All* would.
    Otherwise (the default) only the setup cell, the import cells and the exercise and check
    cells run: the experiments in between take minutes and are already run by nbval on the
    chapter itself, and test_later_cells_do_not_use_exercise_functions proves statically that
    none of them depends on an exercise."""
    from nbclient import NotebookClient
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name in ("lib", "data"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    folder = tmp_path / "student"
    folder.mkdir()
    assert se.main([str(path), "--out", str(folder)]) == 0
    nb = read(folder / Path(path).name)
    stubs = {ex.stub_source for ex in exercises}
    stub_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source in stubs]
    assert len(stub_cells) == len(exercises), "a stub cell is missing from the student edition"
    nb.cells = nb.cells[:stub_cells[-1] + 2]
    if not full:
        keep = {i for i, c in enumerate(nb.cells)
                if c.cell_type == "markdown" or "setup" in c.metadata.get("tags", [])
                or se.is_import_cell(c)} | set(stub_cells) | {i + 1 for i in stub_cells}
        stub_cells = [sorted(keep).index(i) for i in stub_cells]
        nb.cells = [c for i, c in enumerate(nb.cells) if i in keep]
    solution_cells = []
    if paste_back:
        by_stub = {ex.stub_source: ex for ex in exercises}
        cells = []
        for i, cell in enumerate(nb.cells):
            cells.append(cell)
            if i - 1 in stub_cells:             # the check after a stub: paste the solution back
                ex = by_stub[nb.cells[i - 1].source]
                solution_cells.append(len(cells))
                cells += [nbformat.v4.new_code_cell(ex.solution_source),
                          nbformat.v4.new_code_cell(nb.cells[i].source)]
        stub_cells = [i + 2 * k for k, i in enumerate(stub_cells)]
        nb.cells = cells
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=kernel,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb, stub_cells, solution_cells


def assert_checks_say_not_written(nb, stub_cells, name):
    for index in stub_cells:
        check = nb.cells[index + 1]
        printed = "".join(o.get("text", "") for o in check.outputs if o.output_type == "stream")
        assert "❌" in printed and "not written yet" in printed and "✅" not in printed, (
            f"{name}: the check `{check.source.strip()}` after the stub printed {printed!r}; "
            f"expected ❌ ... not written yet")


def assert_checks_pass(nb, solution_cells, name):
    for index in solution_cells:
        check = nb.cells[index + 1]
        printed = "".join(o.get("text", "") for o in check.outputs if o.output_type == "stream")
        assert "✅" in printed and "❌" not in printed, (
            f"{name}: the check `{check.source.strip()}` after the pasted-back solution printed "
            f"{printed!r}; expected ✅")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_student_edition_runs(path, tmp_path):
    """The student edition runs in a kernel from student/ (the setup cell finds lib/, the
    imports work, the stubs define their functions), every check prints ❌ not written yet, and
    with the solutions pasted back in (the student's next step) every check prints ✅.
    STUDENT_EDITION_FULL=1 runs every cell of the chapter (minutes per chapter)."""
    exercises, error = load_exercises(path)
    assert error is None, error
    if not exercises:
        pytest.skip(f"{path.name} has no exercises (reported by test_chapter_has_exercises)")
    full = os.environ.get("STUDENT_EDITION_FULL", "") not in ("", "0")
    nb, stub_cells, solution_cells = run_student_edition(path, exercises, tmp_path, full=full,
                                                         paste_back=True)
    assert len(solution_cells) == len(exercises)
    assert_checks_say_not_written(nb, stub_cells, path.name)
    assert_checks_pass(nb, solution_cells, path.name)


# ---------------------------------------------------------------------------------- exercises

@pytest.mark.parametrize("path, ex", EXERCISES, ids=EXERCISE_IDS)
def test_exercise_is_followed_by_its_check(path, ex):
    nb = read(path)
    following = nb.cells[ex.index + 1] if ex.index + 1 < len(nb.cells) else None
    shown = "the end of the notebook" if following is None else \
        se.describe_cell(ex.notebook, ex.index + 1, following.source)
    assert ex.check_source is not None, (
        f"{ex.where} must be followed by a check cell holding one call such as "
        f"`check_{ex.names[0]}({ex.names[0]})`; found {shown}")
    call = ast.parse(ex.check_source, mode="eval").body
    args = {n.id for a in list(call.args) + [k.value for k in call.keywords]
            for n in ast.walk(a) if isinstance(n, ast.Name)}
    assert args & set(ex.names), (f"the check `{ex.check_source}` after {ex.where} does not "
                                  f"test what the exercise defines ({', '.join(ex.names)})")


@pytest.mark.parametrize("path, ex", EXERCISES, ids=EXERCISE_IDS)
def test_check_passes_on_solution(path, ex, imports_of):
    if ex.check_source is None:
        pytest.skip("no check cell (reported by test_exercise_is_followed_by_its_check)")
    result, printed = run_check(imports_of(path), ex.solution_source, ex.check_source)
    assert result is True and "✅" in printed, (
        f"{ex.where}: `{ex.check_source}` on the solution returned {result!r} and printed "
        f"{printed.strip()!r}")


@pytest.mark.parametrize("path, ex", EXERCISES, ids=EXERCISE_IDS)
def test_check_fails_on_stub(path, ex, imports_of):
    if ex.check_source is None:
        pytest.skip("no check cell (reported by test_exercise_is_followed_by_its_check)")
    result, printed = run_check(imports_of(path), ex.stub_source, ex.check_source)
    assert result is False and "❌" in printed and "not written yet" in printed, (
        f"{ex.where}: `{ex.check_source}` on the student stub returned {result!r} and printed "
        f"{printed.strip()!r}; expected False and ❌ ... not written yet")
    hints = [h for h in ex.hints if h]
    assert not hints or any(h in printed for h in hints), (
        f"the check did not show the stub's hint ({hints}): {printed.strip()!r}")


@pytest.mark.parametrize("path, ex", EXERCISES, ids=EXERCISE_IDS)
def test_check_rejects_a_do_nothing_body(path, ex, imports_of):
    """A body that returns None (or, in a method, leaves the object untouched) is wrong."""
    if ex.check_source is None:
        pytest.skip("no check cell (reported by test_exercise_is_followed_by_its_check)")
    result, printed = run_check(imports_of(path), ex.replace_blocks("return None"), ex.check_source)
    assert result is False and "❌" in printed, (
        f"{ex.where}: `{ex.check_source}` accepted a body that only returns None: it returned "
        f"{result!r} and printed {printed.strip()!r}")
