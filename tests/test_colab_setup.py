"""The notebooks' first cell (tools/setup_cell.py) on Colab and elsewhere.

On Colab a notebook opened from GitHub sits alone in /content: the setup cell must clone the
repository and make `lib` (and through it `data/`) importable.  Here that situation is rebuilt:
a snapshot of the working tree becomes a throw-away git repository (so files not yet committed are
included), COURSE_REPO_URL points at it, COURSE_FORCE_COLAB_SETUP=1 takes the Colab branch, and a
notebook copied into an empty temporary folder is executed with nbconvert.
"""
import ast
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.setup_cell import REPO_URL, SETUP_CELL  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
CLONE_DIR = "overfitting-course"


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(cmd, cwd, env=None, timeout=600):
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n"
                                    + ANSI.sub("", result.stdout + "\n" + result.stderr)[-4000:])
    return result


def working_tree_files(root=ROOT):
    """The files git would commit: tracked ones plus new ones not ignored (.gitignore applies)."""
    out = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root).stdout
    return [f for f in out.split("\0") if f and (root / f).is_file()]


@pytest.fixture(scope="module")
def snapshot_repo(tmp_path_factory):
    """A git repository holding the current working tree in one commit; returns its file:// URL."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed (apt-get install git)")
    repo = tmp_path_factory.mktemp("snapshot") / "repo"
    for rel in working_tree_files():
        dest = repo / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=main"]
    run(git + ["init", "-q"], cwd=repo)
    run(git + ["add", "-A"], cwd=repo)
    run(git + ["commit", "-q", "-m", "snapshot of the working tree"], cwd=repo)
    return repo.as_uri()


def colab_env(repo_url):
    env = dict(os.environ, COURSE_FORCE_COLAB_SETUP="1", COURSE_REPO_URL=repo_url)
    env.pop("PYTHONPATH", None)          # nothing may find lib/ except through the setup cell
    return env


def plain_env():
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_FORCE_COLAB_SETUP", "COURSE_REPO_URL")}
    env.pop("PYTHONPATH", None)
    return env


def execute(nb_path, env, timeout=600):
    """Execute a notebook in place with nbconvert (cwd = its folder), widget state not stored."""
    run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
         "--ExecutePreprocessor.timeout=300", "--ExecutePreprocessor.store_widget_state=False", str(nb_path)],
        cwd=nb_path.parent, env=env, timeout=timeout)
    return nbformat.read(nb_path, as_version=4)


def stdout_of(nb):
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                   if o.output_type == "stream" and o.name == "stdout")


PROBE = '''import os, sys
import lib, lib.data
from lib import load_mnist
clone = os.path.realpath("overfitting-course")
print("lib from clone:", os.path.realpath(lib.__file__).startswith(clone + os.sep))
print("data from clone:", os.path.realpath(str(lib.data.DATA_DIR)).startswith(clone + os.sep))
(x, t), (x_test, t_test) = load_mnist()
print("images:", x.shape, x_test.shape)'''


def import_lines(nb):
    """Every top-level import statement of a notebook's code cells after the setup cell, in order."""
    lines = []
    for cell in [c for c in nb.cells if c.cell_type == "code"][1:]:
        # IPython syntax (%magics, !shell) is not Python: blank it out before parsing.
        source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines())
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        lines += [ast.get_source_segment(source, node) for node in tree.body
                  if isinstance(node, (ast.Import, ast.ImportFrom))]
    return lines


def test_repo_url_is_written_once():
    """REPO_URL lives in tools/setup_cell.py; every notebook gets it only through SETUP_CELL."""
    assert REPO_URL.startswith("https://github.com/") and REPO_URL.endswith(".git")
    assert SETUP_CELL.count(REPO_URL) == 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_is_the_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    first = next((c for c in nb.cells if c.cell_type == "code"), None)
    assert first is not None and first.source == SETUP_CELL, (
        f"{path.name}: the first code cell differs from tools/setup_cell.SETUP_CELL; "
        "run `python tools/setup_cell.py` to rewrite it")


def test_colab_setup_clones_and_imports(snapshot_repo, tmp_path):
    """A lone notebook in an empty folder, Colab branch forced: clone, then lib and data work.
    Run twice: the second run (a student re-running the cell) must reuse the clone."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell(SETUP_CELL), nbformat.v4.new_code_cell(PROBE)]
    path = tmp_path / "lone.ipynb"
    nbformat.write(nb, path)
    for attempt in (1, 2):
        out = stdout_of(execute(path, colab_env(snapshot_repo)))
        assert "lib from clone: True" in out, f"run {attempt}: {out}"
        assert "data from clone: True" in out, f"run {attempt}: {out}"
        assert "images: (5000, 784) (10000, 784)" in out, f"run {attempt}: {out}"
    assert (tmp_path / CLONE_DIR / "lib" / "__init__.py").is_file()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_imports_work_from_a_colab_clone(path, snapshot_repo, tmp_path):
    """Each chapter copied alone into an empty folder, with the Colab branch forced: its setup cell
    and every import it makes work from the clone (the heavy cells are not run here; nbval and
    test_colab_like.py run the whole chapters)."""
    chapter = nbformat.read(path, as_version=4)
    nb = nbformat.v4.new_notebook(metadata=chapter.metadata)
    first = next(c for c in chapter.cells if c.cell_type == "code")
    nb.cells = [nbformat.v4.new_code_cell(first.source),
                nbformat.v4.new_code_cell("\n".join(import_lines(chapter)) or "pass"),
                nbformat.v4.new_code_cell(PROBE)]
    copy = tmp_path / path.name
    nbformat.write(nb, copy)
    out = stdout_of(execute(copy, colab_env(snapshot_repo)))
    assert "lib from clone: True" in out and "data from clone: True" in out, out


def stalling_url(repo_url, seconds=60):
    """A git URL for the repository at repo_url (file://) whose server waits `seconds` before it
    answers: git's ext:: transport runs a command as the server.  Returns (url, env additions)."""
    path = urllib.parse.urlparse(repo_url).path.replace("%", "%%").replace(" ", "% ")
    env = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "protocol.ext.allow", "GIT_CONFIG_VALUE_0": "always"}
    return f"ext::sh -c sleep% {seconds};%S% {path}", env


def test_an_interrupted_clone_is_cloned_again(snapshot_repo, tmp_path):
    """On Colab the student stops the setup cell while git is still cloning (a slow network): the
    clone folder is left holding only .git.  The next run of the cell must notice (no
    lib/__init__.py), delete the folder, clone again and say so; before, it skipped the clone and
    every later import failed with "No module named 'lib'"."""
    url, git_env = stalling_url(snapshot_repo)
    clone = tmp_path / CLONE_DIR
    cell = subprocess.Popen([sys.executable, "-c", SETUP_CELL], cwd=tmp_path, env={**colab_env(url), **git_env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(400):                         # git creates the folder and .git before it fetches
            if (clone / ".git" / "HEAD").exists() or cell.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        os.killpg(cell.pid, signal.SIGKILL)          # the interrupt: the cell, git and the stalled server
        cell.wait(10)
    assert (clone / ".git").is_dir() and not (clone / "lib").exists(), "the clone was not interrupted half-way"

    code = SETUP_CELL + "\nimport lib, os; print('lib from', os.path.realpath(lib.__file__))"
    out = run([sys.executable, "-c", code], cwd=tmp_path, env=colab_env(snapshot_repo), timeout=120).stdout
    assert "overfitting-course/ is incomplete (interrupted clone?): deleting it and cloning again" in out
    assert f"lib from {(clone / 'lib' / '__init__.py').resolve()}" in out
    out = run([sys.executable, "-c", code], cwd=tmp_path, env=colab_env(snapshot_repo), timeout=120).stdout
    assert "incomplete" not in out and "lib from" in out   # a complete clone is kept as it is


def test_setup_cell_does_nothing_outside_colab(tmp_path):
    """Not on Colab, not beside lib/: no clone, no change to sys.path."""
    code = ("import sys; before = list(sys.path)\n" + SETUP_CELL +
            "\nprint('unchanged' if sys.path == before else 'changed')")
    result = run([sys.executable, "-c", code], cwd=tmp_path, env=plain_env())
    assert result.stdout.strip() == "unchanged"
    assert not (tmp_path / CLONE_DIR).exists()


def test_setup_cell_finds_lib_from_notebooks_folder():
    """Beside the repository (JupyterLab, Binder, nbval): cwd notebooks/ makes `lib` importable,
    once, and without cloning anything."""
    code = (SETUP_CELL + "\n" + SETUP_CELL +
            "\nimport os, lib; print(os.path.realpath(lib.__file__)); print(sys.path.count(os.path.abspath('..')))")
    notebooks = ROOT / "notebooks"
    result = run([sys.executable, "-c", code], cwd=notebooks, env=plain_env())
    lib_file, count = result.stdout.split()
    assert lib_file == str((ROOT / "lib" / "__init__.py").resolve())
    assert count == "1"
    assert not (notebooks / CLONE_DIR).exists()
