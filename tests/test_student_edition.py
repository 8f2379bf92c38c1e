"""tools/student_edition.py on a small sample notebook: markers, hints, indentation, outputs,
malformed markers; and the exercise test machinery of test_exercises.py on the same sample."""
import ast
import json
import os
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import student_edition as se  # noqa: E402
from setup_cell import SETUP_CELL, SETUP_METADATA  # noqa: E402

import test_exercises as tx  # noqa: E402  (the helpers the chapter tests use)

DOUBLE = '''\
def double(x):
    """Twice x."""
    ### BEGIN SOLUTION hint: multiply by two
    return 2 * x
    ### END SOLUTION'''

SCALE = '''\
import numpy as np


class Scale:
    """Multiply by a constant."""

    def __init__(self, k):
        ### BEGIN SOLUTION [hint: store "k" for later]
        self.k = np.float64(k)
        ### END SOLUTION

    def __call__(self, x):
        ### BEGIN SOLUTION
        return self.k * x
        ### END SOLUTION'''

SAMPLE_CHECKS = '''\
from lib.exercises.checks import call, compare, verdict


def check_double(fn):
    def run():
        for x in (0.0, 1.5, -3.0):
            compare(call(fn, x), 2 * x, f"double({x})")
    return verdict("double", run, "it doubles")


def check_scale(cls):
    def run():
        scale = call(cls, 3.0)
        compare(call(scale, 2.0), 6.0, "Scale(3)(2)")
    return verdict("Scale", run, "it scales")
'''


def sample_notebook():
    with_output = new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(round(1 / 3, 3))",
                                outputs=[new_output("stream", name="stdout", text="0.333\n")],
                                execution_count=3)
    return new_notebook(cells=[
        new_markdown_cell("# A sample chapter\n\nGoals."),
        new_code_cell(SETUP_CELL, metadata=dict(SETUP_METADATA)),
        new_code_cell("import numpy as np\nfrom sample_checks import check_double, check_scale"),
        with_output,
        new_markdown_cell("## Exercises\n\n**1.** Write `double`."),
        new_code_cell(DOUBLE),
        new_code_cell("check_double(double)",
                      outputs=[new_output("stream", name="stdout", text="✅ double: it doubles\n")]),
        new_markdown_cell("**2.** Write `Scale`."),
        new_code_cell(SCALE),
        new_code_cell("# a comment is fine\ncheck_scale(Scale);"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


@pytest.fixture
def sample(tmp_path, monkeypatch):
    """The sample notebook in tmp_path/notebooks/, and its checks importable (also by kernels)."""
    (tmp_path / "sample_checks.py").write_text(SAMPLE_CHECKS)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), str(ROOT)]))
    sys.modules.pop("sample_checks", None)
    (tmp_path / "notebooks").mkdir()
    path = tmp_path / "notebooks" / "01_sample.ipynb"
    nbformat.write(sample_notebook(), path)
    return path


def malformed(cell_source):
    nb = sample_notebook()
    nb.cells[5].source = textwrap.dedent(cell_source)
    return nb


# ------------------------------------------------------------------------------ the exercises

def test_finds_the_exercises_and_their_checks():
    exercises = se.find_exercises(sample_notebook(), "sample.ipynb")
    assert [ex.index for ex in exercises] == [5, 8]
    assert [ex.names for ex in exercises] == [["double"], ["Scale"]]
    assert [ex.check_index for ex in exercises] == [6, 9]
    assert [ex.check_source for ex in exercises] == ["check_double(double)", "check_scale(Scale)"]
    assert exercises[0].hints == ["multiply by two"]
    assert exercises[1].hints == ['store "k" for later', ""]


def test_stub_keeps_signature_docstring_and_indentation():
    double, scale = se.find_exercises(sample_notebook(), "sample.ipynb")
    assert double.stub_source == textwrap.dedent('''\
        def double(x):
            """Twice x."""
            # YOUR CODE HERE (then run the check below)
            raise NotImplementedError("multiply by two")''')
    lines = scale.stub_source.splitlines()
    assert "        raise NotImplementedError('store \"k\" for later')" in lines
    assert "        raise NotImplementedError()" in lines
    assert "SOLUTION" not in scale.stub_source and "self.k" not in scale.stub_source
    tree = ast.parse(scale.stub_source)
    cls = tree.body[-1]
    assert ast.get_docstring(cls) == "Multiply by a constant."
    assert [f.name for f in cls.body if isinstance(f, ast.FunctionDef)] == ["__init__", "__call__"]
    assert ast.unparse(cls.body[1].args) == "self, k"
    assert scale.stub_source.startswith("import numpy as np\n\n\nclass Scale:")


def test_hint_with_quotes_and_backslashes_round_trips():
    for hint in ['say "hi"', "a \\ b", "it's", "한국어 힌트"]:
        literal = se.py_string(hint)
        assert ast.literal_eval(literal) == hint


def test_tabs_are_kept():
    nb = malformed("def f(x):\n\t### BEGIN SOLUTION hint: h\n\treturn x\n\t### END SOLUTION\n")
    ex = se.find_exercises(nb, "sample.ipynb")[0]
    assert ex.stub_source.splitlines()[-1] == '\traise NotImplementedError("h")'


def test_replace_blocks_gives_a_do_nothing_body():
    scale = se.find_exercises(sample_notebook(), "sample.ipynb")[1]
    body = scale.replace_blocks("return None")
    assert body.count("        return None") == 2 and "self.k" not in body


# ------------------------------------------------------------------------------ malformed

@pytest.mark.parametrize("source, message", [
    ("def f(x):\n    ### BEGIN SOLUTION\n    return x\n",
     "line 2: ### BEGIN SOLUTION without a ### END SOLUTION"),
    ("def f(x):\n    return x\n    ### END SOLUTION\n",
     "line 3: ### END SOLUTION without a ### BEGIN SOLUTION"),
    ("def f(x):\n    ### BEGIN SOLUTION\n    y = x\n    ### BEGIN SOLUTION\n    return y\n"
     "    ### END SOLUTION\n    ### END SOLUTION\n",
     "line 4: ### BEGIN SOLUTION inside the solution begun on line 2 (nested)"),
    ("def f(x):\n    ### BEGIN SOLUTIONS\n    return x\n    ### END SOLUTION\n",
     "line 2: malformed marker '### BEGIN SOLUTIONS'"),
    ("def f(x):\n    # BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n",
     "line 2: malformed marker '# BEGIN SOLUTION'"),
    ("def f(x):\n    ### begin solution\n    return x\n    ### END SOLUTION\n",
     "line 2: malformed marker"),
    ("def f(x):\n    ### BEGIN SOLUTION multiply\n    return x\n    ### END SOLUTION\n",
     "line 2: after '### BEGIN SOLUTION' only a hint may follow"),
    ("def f(x):\n    ### BEGIN SOLUTION hint:\n    return x\n    ### END SOLUTION\n",
     "line 2: the hint is empty"),
    ("def f(x):\n    ### BEGIN SOLUTION\n    # nothing\n    ### END SOLUTION\n",
     "lines 2-4: the solution between the markers is empty"),
    ("def f(x):\n    ### BEGIN SOLUTION\n    return x\n### END SOLUTION\n",
     "line 4: ### END SOLUTION is indented differently"),
    ("### BEGIN SOLUTION\ndef f(x):\n    return x\n### END SOLUTION\n",
     "the student stub would not define ['f']"),
    ("def f(x):\n### BEGIN SOLUTION\n    return x\n### END SOLUTION\n",
     "the student stub is not valid Python"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n",
     "must define a function (or class)"),
], ids=["begin-without-end", "end-without-begin", "nested", "plural", "two-hashes", "lowercase",
        "junk-after-begin", "empty-hint", "empty-solution", "end-indent", "around-def",
        "outside-body", "no-function"])
def test_malformed_markers_are_reported_with_notebook_cell_and_line(source, message):
    with pytest.raises(se.MarkerError) as info:
        se.find_exercises(malformed(source), "notebooks/01_sample.ipynb")
    text = str(info.value)
    assert text.startswith("notebooks/01_sample.ipynb, cell 6 (starts `")
    assert message in text, text


def test_markers_in_markdown_are_ignored():
    nb = sample_notebook()
    nb.cells[4].source += "\n\n```python\n### BEGIN SOLUTION\n```"
    assert len(se.find_exercises(nb, "sample.ipynb")) == 2


def test_a_cell_without_check_after_it_is_found_but_unpaired():
    nb = sample_notebook()
    nb.cells[6].source = "print(double(2))"
    ex = se.find_exercises(nb, "sample.ipynb")[0]
    assert ex.check_index is None and ex.check_source is None
    assert se.check_call("x = check_double(double)") is None
    assert se.check_call("check_double(double)\ncheck_double(double)") is None
    assert se.check_call("print(double)") is None


# ------------------------------------------------------------------------------ the notebook

def test_student_notebook_strips_outputs_and_leaves_the_original_alone():
    nb = sample_notebook()
    before = json.dumps(nb, sort_keys=True)
    student, exercises = se.student_notebook(nb, "sample.ipynb")
    assert json.dumps(nb, sort_keys=True) == before
    assert len(exercises) == 2
    assert student.cells[1].cell_type == "markdown" and "Student edition" in student.cells[1].source
    assert student.cells[2].source == SETUP_CELL
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert "NBVAL_CHECK_OUTPUT" not in cell.source
            assert "BEGIN SOLUTION" not in cell.source and "2 * x" not in cell.source
    nbformat.validate(student)


def test_keep_outputs_keeps_them_except_in_exercises_and_checks():
    student, _ = se.student_notebook(sample_notebook(), "sample.ipynb", keep_outputs=True)
    printed = [c for c in student.cells if c.cell_type == "code" and "round(1 / 3" in c.source][0]
    assert printed.outputs[0]["text"] == "0.333\n" and printed.execution_count == 3
    check = [c for c in student.cells if c.source == "check_double(double)"][0]
    assert check.outputs == []


def test_command_line_writes_the_student_edition(sample, tmp_path, capsys):
    out = tmp_path / "student"
    assert se.main([str(sample), "--out", str(out)]) == 0
    written = nbformat.read(out / sample.name, as_version=4)
    assert 'raise NotImplementedError("multiply by two")' in written.cells[6].source
    assert "2 exercise(s) stubbed (double, Scale)" in capsys.readouterr().out


def test_command_line_writes_nothing_when_a_notebook_is_malformed(sample, tmp_path, capsys):
    bad = tmp_path / "notebooks" / "02_bad.ipynb"
    nbformat.write(malformed("def f(x):\n    ### BEGIN SOLUTION\n    return x\n"), bad)
    out = tmp_path / "student"
    assert se.main([str(sample), str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "02_bad.ipynb, cell 6 (starts `def f(x):`), line 2: ### BEGIN SOLUTION without" in err
    assert "nothing written" in err
    assert not out.exists()


def test_command_line_warns_about_a_missing_check(sample, tmp_path, capsys):
    nb = nbformat.read(sample, as_version=4)
    nb.cells[6].source = "double(2)"
    nbformat.write(nb, sample)
    assert se.main([str(sample), "--out", str(tmp_path / "student")]) == 0
    assert "is not followed by a check cell" in capsys.readouterr().err


# ------------------------------------------------------------------------------ the harness

def test_the_exercise_harness_on_the_sample(sample):
    nb = nbformat.read(sample, as_version=4)
    imports = tx.notebook_imports(nb)
    assert "from sample_checks import check_double, check_scale" in imports
    assert "subprocess" not in imports          # the setup cell is left out
    for ex in se.find_exercises(nb, "sample.ipynb"):
        assert tx.run_check(imports, ex.solution_source, ex.check_source)[0] is True
        result, printed = tx.run_check(imports, ex.stub_source, ex.check_source)
        assert result is False and "❌" in printed and "not written yet" in printed
        result, printed = tx.run_check(imports, ex.replace_blocks("return None"), ex.check_source)
        assert result is False and "❌" in printed


def test_the_harness_catches_a_check_that_passes_a_stub(sample):
    nb = nbformat.read(sample, as_version=4)
    ex = se.find_exercises(nb, "sample.ipynb")[0]
    lenient = "def check_double(fn):\n    print('✅ fine')\n    return True\n"
    result, printed = tx.run_check(tx.notebook_imports(nb) + "\n" + lenient, ex.stub_source,
                                   ex.check_source)
    assert result is True       # what test_check_fails_on_stub would then report


@pytest.mark.parametrize("full", [True, False], ids=["full", "lean"])
def test_the_student_edition_of_the_sample_runs_in_a_kernel(sample, tmp_path, full):
    exercises = se.find_exercises(nbformat.read(sample, as_version=4), "sample.ipynb")
    nb, stub_cells, solution_cells = tx.run_student_edition(sample, exercises, tmp_path / "repo",
                                                            full=full, paste_back=True)
    # full: every cell; lean: the printed-number cell (not an import cell) is left out
    assert stub_cells == ([6, 11] if full else [5, 10])
    assert solution_cells == [i + 2 for i in stub_cells]
    assert any("round(1 / 3" in c.source for c in nb.cells) == full
    tx.assert_checks_say_not_written(nb, stub_cells, sample.name)
    printed = nb.cells[stub_cells[0] + 1].outputs[0]["text"]
    assert printed == "❌ double: not written yet (multiply by two)\n"
    tx.assert_checks_pass(nb, solution_cells, sample.name)
    assert nb.cells[solution_cells[0] + 1].outputs[0]["text"] == "✅ double: it doubles\n"


def test_is_import_cell():
    nb = sample_notebook()
    assert [i for i, c in enumerate(nb.cells) if se.is_import_cell(c)] == [2]
    assert se.is_import_cell(new_code_cell("import numpy as np\nimport os\nimport sys\nx = load()"))
    assert not se.is_import_cell(new_code_cell("import numpy as np\nx = train()"))


# ------------------------------------------------------------------------------ never destroys work

@pytest.fixture
def repo_copy(tmp_path):
    """A temporary copy of the repository's tools/ and notebooks/ (the tool's ROOT is the copy)."""
    import shutil
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "tools", copy / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "notebooks").mkdir()
    for path in se.chapter_paths()[:2]:
        shutil.copy2(path, copy / "notebooks" / path.name)
    return copy


def run_tool(repo, *args):
    import subprocess
    return subprocess.run([sys.executable, str(repo / "tools" / "student_edition.py"), *args],
                          cwd=repo, capture_output=True, text=True, timeout=120)


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(Path(folder).glob("*"))}


def test_a_rerun_on_an_untouched_student_edition_is_allowed(repo_copy):
    assert run_tool(repo_copy).returncode == 0
    first = snapshot(repo_copy / "student")
    again = run_tool(repo_copy)
    assert again.returncode == 0, again.stderr
    assert snapshot(repo_copy / "student") == first        # same bytes, no backup


def test_a_students_work_is_not_overwritten_without_force(repo_copy):
    assert run_tool(repo_copy).returncode == 0
    worked = repo_copy / "student" / "02_l1_l2_penalties.ipynb"
    nb = nbformat.read(worked, as_version=4)
    nb.cells[-1].source = "my answer, written over an evening"
    nbformat.write(nb, worked)
    before = snapshot(repo_copy / "student")
    refused = run_tool(repo_copy)
    assert refused.returncode == 1
    assert "student/02_l1_l2_penalties.ipynb exists and differs" in refused.stderr
    assert "--force" in refused.stderr and "nothing written" in refused.stderr
    assert snapshot(repo_copy / "student") == before        # not even the untouched chapter 1


def test_force_keeps_a_timestamped_backup_first(repo_copy):
    assert run_tool(repo_copy).returncode == 0
    worked = repo_copy / "student" / "02_l1_l2_penalties.ipynb"
    nb = nbformat.read(worked, as_version=4)
    nb.cells[-1].source = "my answer"
    nbformat.write(nb, worked)
    work = worked.read_bytes()
    forced = run_tool(repo_copy, "--force")
    assert forced.returncode == 0, forced.stderr
    backups = sorted((repo_copy / "student").glob("02_l1_l2_penalties.backup-*.ipynb"))
    assert len(backups) == 1 and backups[0].read_bytes() == work
    assert backups[0].name in forced.stdout
    assert "my answer" not in worked.read_text()
    assert not list((repo_copy / "student").glob("01_*.backup-*"))   # unchanged: no backup
    # a second forced run in the same second does not overwrite the first backup
    nbformat.write(nb, worked)
    assert run_tool(repo_copy, "--force").returncode == 0
    assert len(list((repo_copy / "student").glob("02_l1_l2_penalties.backup-*.ipynb"))) == 2
    assert backups[0].read_bytes() == work


@pytest.mark.parametrize("out", ["notebooks", "notebooks/student", "./notebooks/../notebooks"])
def test_refuses_to_write_into_notebooks(repo_copy, out):
    before = snapshot(repo_copy / "notebooks")
    for args in ([], ["--force"]):
        refused = run_tool(repo_copy, "--out", out, *args)
        assert refused.returncode == 1
        assert "which holds the chapters with their solutions" in refused.stderr
    assert snapshot(repo_copy / "notebooks") == before
    assert not (repo_copy / "notebooks" / "student").exists()


def test_refuses_to_write_onto_its_input(repo_copy, tmp_path):
    elsewhere = tmp_path / "mine"
    elsewhere.mkdir()
    source = se.chapter_paths()[0]
    mine = elsewhere / source.name
    mine.write_bytes(source.read_bytes())
    refused = run_tool(repo_copy, str(mine), "--out", str(elsewhere), "--force")
    assert refused.returncode == 1 and "would overwrite an input" in refused.stderr
    assert mine.read_bytes() == source.read_bytes()


def test_refuses_a_student_notebook_as_input(repo_copy):
    assert run_tool(repo_copy).returncode == 0
    student = repo_copy / "student" / "01_overfitting.ipynb"
    nb = nbformat.read(student, as_version=4)
    nb.cells[3].outputs = [new_output("stream", name="stdout", text="a student's output\n")]
    nbformat.write(nb, student)
    before = student.read_bytes()
    for args in ([str(student)], [str(student), "--out", "elsewhere", "--force"]):
        refused = run_tool(repo_copy, *args)
        assert refused.returncode == 1
        assert "01_overfitting.ipynb is a student edition" in refused.stderr
        assert "notebooks/" in refused.stderr
    assert student.read_bytes() == before and not (repo_copy / "elsewhere").exists()


def test_a_notebook_without_exercises_is_not_taken_for_a_student_edition():
    nb = new_notebook(cells=[new_markdown_cell("# Notes"), new_code_cell("x = 1")])
    assert not se.is_student_notebook(nb)
    student, exercises = se.student_notebook(sample_notebook(), "sample.ipynb")
    assert se.is_student_notebook(student) and not se.is_student_notebook(sample_notebook())
