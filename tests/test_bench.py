"""python -m lib.bench: --help explains the workloads; it runs with one BLAS thread unless told
otherwise (--threads N, set before numpy loads its BLAS: the thread count changes both the speed
and the last bits of float32 results, README, Speed); it shows which workload and round it runs;
it says clearly when the PyTorch reference or the book's code cannot run.  Nothing here checks a
timing (machines are noisy): the runs use --epochs 1."""
import importlib.util
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import lib.bench

ROOT = Path(__file__).resolve().parent.parent
QUICK = ("--epochs", "1", "--repeat", "1")


def bench(*args, threads="1"):
    """python -m lib.bench ARGS, started with the BLAS thread variables set to `threads`."""
    env = {**os.environ, **{var: threads for var in lib.bench.THREAD_VARS}}
    return subprocess.run([sys.executable, "-m", "lib.bench", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("threads", ["1", "2"])
def test_blas_info_reports_the_thread_count_it_was_started_with(threads):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads}
    out = subprocess.run([sys.executable, "-c", "import json, lib.bench; print(json.dumps(lib.bench.blas_info()))"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True).stdout
    info = json.loads(out)
    if info["threads"] is None:
        pytest.skip(f"this numpy's BLAS ({info['library']}) cannot be asked for its thread count")
    assert info["threads"] == int(threads)
    assert info["library"] != "unknown" and info["cores"] >= 1


def test_help_explains_the_workloads_the_implementations_and_the_threads():
    run = bench("--help")
    assert run.returncode == 0, run.stderr
    text = " ".join(run.stdout.split())
    for name in lib.bench.WORKLOADS:
        assert name in text
    for what in ("all 10,000 test images", "201 epochs", "PyTorch", "the book's own code", "--torch PYTHON",
                 "--book PATH", "--threads", "ONE BLAS thread", "--repeat", "before numpy loads"):
        assert what in text, f"--help does not say {what!r}"


@pytest.mark.parametrize("asked, started_with", [("1", "2"), ("2", "1")])
def test_the_thread_count_is_set_before_numpy_loads(asked, started_with):
    """Started with another thread count, the benchmark starts itself again with the one asked for."""
    run = bench("--threads", asked, *QUICK, "--workload", "train-only", "--torch", "none", threads=started_with)
    assert run.returncode == 0, run.stderr
    first = run.stdout.splitlines()[0]
    assert first.startswith("BLAS: ") and f"OPENBLAS_NUM_THREADS={asked})" in first
    if lib.bench.blas_info()["threads"] is not None:
        assert f", {asked} thread(s) " in first
    assert "warning" not in run.stdout


def test_progress_names_the_workload_and_the_round_and_the_table_follows():
    run = bench("--epochs", "1", "--repeat", "2", "--torch", "none")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for round_ in (1, 2):
        for workload in lib.bench.DEFAULT_WORKLOADS:
            assert f"round {round_} of 2: {workload}, this library (float32): " in out
    assert out.index("round 2 of 2") < out.index("medians of 2 round(s)")
    rows = [line.split() for line in out.splitlines() if line.startswith(lib.bench.DEFAULT_WORKLOADS)]
    assert [row[0] for row in rows] == list(lib.bench.DEFAULT_WORKLOADS)


def fake_python(tmp_path, message):
    """An executable that fails like a Python without torch."""
    path = tmp_path / "python"
    path.write_text(f"#!/bin/sh\necho '{message}' >&2\nexit 1\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_without_torch_the_reference_is_skipped_with_a_note(monkeypatch, tmp_path):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else find_spec(name, *a))
    python, why = lib.bench.find_torch(None)
    assert python is None and "this Python has no torch" in why and "--torch PYTHON" in why
    assert lib.bench.find_torch("none") == (None, "skipped (--torch none)")
    assert "cannot run /no/such/python" in lib.bench.find_torch("/no/such/python")[1]

    no_torch = fake_python(tmp_path, "ModuleNotFoundError: No module named torch")
    run = bench("--torch", no_torch, *QUICK, "--workload", "train-only")
    assert run.returncode == 0, run.stderr
    assert (f"PyTorch reference: skipped: {no_torch} cannot import torch and numpy "
            "(ModuleNotFoundError: No module named torch)") in run.stdout
    assert "ratio = seconds / seconds of this library" in run.stdout


def test_the_book_option_says_what_it_needs(tmp_path):
    run = bench("--book", str(tmp_path), *QUICK)
    assert run.returncode != 0 and "no common/multi_layer_net.py" in run.stderr
    assert "github.com/oreilly-japan/deep-learning-from-scratch" in run.stderr


def test_the_book_option_runs_the_code_it_finds_there(tmp_path):
    """A stand-in for a clone of the book's repository (the same interface: MultiLayerNet with
    params, gradient and accuracy, and SGD with update), to test the plumbing without the book."""
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "__init__.py").write_text("")
    (tmp_path / "common" / "multi_layer_net.py").write_text(
        "import numpy as np\nfrom lib.net import MultiLayerNet as _Net\n\n"
        "class MultiLayerNet(_Net):\n"
        "    def __init__(self, input_size, hidden_size_list, output_size):\n"
        "        super().__init__(input_size, hidden_size_list, output_size, dtype=np.float64)\n")
    (tmp_path / "common" / "optimizer.py").write_text("from lib.optimizers import SGD\n")
    run = bench("--book", str(tmp_path), *QUICK, "--torch", "none", "--workload", "book-overfit")
    assert run.returncode == 0, run.stderr
    assert f"the book's code: {tmp_path.resolve()} (float64)" in run.stdout
    assert "round 1 of 1: book-overfit, the book's code (float64): " in run.stdout
    row = next(line for line in run.stdout.splitlines() if line.startswith("book-overfit") and "book's code" in line)
    assert 0 <= float(row.split()[-1]) <= 1   # its last test accuracy


def test_json_prints_one_object_with_the_blas_and_the_runs(capsys):
    lib.bench.main([*QUICK, "--workload", "train-only", "--torch", "none", "--json"])
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["blas"] == lib.bench.blas_info() and result["threads"] == 1
    assert list(result["results"]) == ["train-only"] and len(result["results"]["train-only"]["lib"]["runs"]) == 1
    assert captured.err.startswith("BLAS: ") and "round 1 of 1: train-only" in captured.err


def test_the_readme_names_the_command_that_measured_its_table():
    readme = (ROOT / "README.md").read_text()
    speed = readme[readme.index("## Speed"):readme.index("\n## ", readme.index("## Speed") + 1)]
    command = next(line.strip("` ") for line in speed.splitlines() if line.startswith("`python -m lib.bench --"))
    args = lib.bench.parse_args(command.split()[3:])   # options the benchmark has, with sensible values
    assert args.torch and args.book and args.threads == 1
    assert "one BLAS thread" in speed and "| `book-overfit` |" in speed and "| `train-only` |" in speed
