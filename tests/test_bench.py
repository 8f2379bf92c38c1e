"""python -m lib.bench says which BLAS library it ran with, and how many threads: the thread count
changes both the speed and the last bits of float32 results (README, Speed)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import lib.bench

ROOT = Path(__file__).resolve().parent.parent


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


def test_the_benchmark_prints_its_blas_first(monkeypatch, capsys):
    monkeypatch.setattr(lib.bench, "WORKLOADS", {"nothing": lambda: None})
    lib.bench.main(["--repeat", "1"])
    first, second = capsys.readouterr().out.splitlines()[:2]
    info = lib.bench.blas_info()
    assert first.startswith(f"BLAS: {info['library']}, ") and f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}" in first
    assert second.startswith("nothing")
    lib.bench.main(["--repeat", "1", "--json"])
    assert json.loads(capsys.readouterr().out)["blas"] == info
