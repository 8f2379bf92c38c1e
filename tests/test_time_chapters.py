"""tools/time_chapters.py: the README's run times are readable, and the kernel measures its own CPU
time (what tests/test_colab_like.py compares with twice the README's time for every chapter).

Only a tiny notebook is executed here; the chapters are measured by tests/test_colab_like.py
(heavy) and by running the tool."""
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import time_chapters  # noqa: E402

CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


def test_the_readme_states_a_run_time_for_every_chapter():
    stated = time_chapters.stated_seconds()
    assert set(stated) == {p.stem for p in CHAPTERS}, (
        f"README.md's chapter table ('runs in' column) names {sorted(stated)}; the chapters are "
        f"{[p.stem for p in CHAPTERS]}")
    assert all(0 < seconds <= 15 * 60 for seconds in stated.values()), stated


TABLE = """# A course

| | chapter | runs in (2 cores) | Colab |
|---|---|---|---|
| 1 | [One](notebooks/01_one.ipynb) | ~40 s | [badge](x) |
| 2 | [Two](notebooks/02_two.ipynb) | ~1.5 min | [badge](x) |
| 3 | [Three](notebooks/03_three.ipynb) | 3 minutes | [badge](x) |

| another | table | runs in |
|---|---|---|
| [Not a chapter](notebooks/09_x.ipynb) | | soon |
"""


def test_stated_seconds_reads_the_runs_in_column(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(TABLE, encoding="utf-8")
    assert time_chapters.stated_seconds(readme) == {"01_one": 40.0, "02_two": 90.0, "03_three": 180.0}


def test_stated_seconds_says_which_row_it_cannot_read(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(TABLE.replace("~1.5 min", "quick"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 6: the run time of 02_two is 'quick'"):
        time_chapters.stated_seconds(readme)
    readme.write_text("# no table\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no chapter table"):
        time_chapters.stated_seconds(readme)


def test_printed_cpu_seconds_needs_the_cpu_cell():
    with pytest.raises(ValueError, match="no CPU cell"):
        time_chapters.printed_cpu_seconds(new_notebook(cells=[new_code_cell("1 + 1")]))


def test_the_kernel_counts_its_work_but_not_its_waiting(tmp_path):
    """CPU time, not wall time: a busy loop counts, sleeping (like waiting for a shared core) does not."""
    path = tmp_path / "tiny.ipynb"
    nbformat.write(new_notebook(cells=[
        new_code_cell("import time\nstart = time.process_time()\nwhile time.process_time() - start < 0.5:\n    pass"),
        new_code_cell("time.sleep(1.5)"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}), path)
    wall, cpu = time_chapters.time_chapter(path, timeout=120)
    assert cpu >= 0.5, f"kernel CPU {cpu} s, but the first cell alone spins for 0.5 s of CPU"
    assert wall - cpu >= 1.0, f"wall {wall:.2f} s, kernel CPU {cpu:.2f} s: the 1.5 s of sleep counted as CPU"
