"""The README's first lines: two commands that set up a fresh machine, and what they promise.

  - the first command installs into .venv and starts JupyterLab on the repository root with
    chapter 1 open (so student/ beside notebooks/ can be reached); a note right under it tells
    root users about --allow-root. The JupyterLab part is started here for real, headless on a
    free local port, and asked what it serves and which page it would open;
  - the second command is `bash tests/run_all.sh`, with the quick tier mentioned after it, and
    .ci/run runs that same command;
  - every test that builds an environment or drives a browser is marked `heavy`, so that
    `bash tests/run_all.sh --quick` stays quick.
"""
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
FIRST_CHAPTER = "notebooks/01_overfitting.ipynb"


def code_blocks(text):
    return re.findall(r"```bash\n(.*?)```", text, re.S)


def first_command():
    return code_blocks(README)[0].strip()


def test_the_first_two_code_blocks_are_the_two_commands():
    blocks = code_blocks(README)
    assert len(blocks) >= 2
    opener, tests = blocks[0].strip(), blocks[1].strip()
    assert "python3 -m venv .venv" in opener and "pip install -r requirements.txt -e ." in opener
    assert re.search(r"\.venv/bin/jupyter lab .*--ServerApp\.root_dir=\. " + re.escape(FIRST_CHAPTER) + "$", opener), (
        f"the first command must open the repository root with chapter 1: {opener}")
    assert tests == "bash tests/run_all.sh"


def test_notes_under_the_commands():
    opener_end = README.index("```", README.index("```bash") + 7) + 3
    next_line = README[opener_end:].lstrip("\n").splitlines()[0]
    assert "--allow-root" in next_line, f"the line under the first command must mention --allow-root: {next_line!r}"
    after_tests = README[README.index("bash tests/run_all.sh\n```"):][:600]
    assert "bash tests/run_all.sh --quick" in after_tests, "the quick tier is mentioned right after the test command"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^bash tests/run_all\.sh( |$)", ci, re.M), ci


def test_slow_tests_are_marked_heavy():
    """A test module that builds a virtual environment or starts a browser carries the marker."""
    slow = re.compile(r'"-m", "venv"|sync_playwright|chromium', re.I)
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        text = path.read_text()
        if slow.search(text):
            assert "pytest.mark.heavy" in text, f"{path.name} builds an environment or drives a browser: mark it heavy"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_first_command_serves_the_repository_root_and_opens_chapter_1(tmp_path):
    lab_args = shlex.split(first_command().split("&&")[-1])
    assert lab_args[:2] == [".venv/bin/jupyter", "lab"], lab_args
    port, token = free_port(), secrets.token_hex(8)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    env.pop("JUPYTER_PLATFORM_DIRS", None)
    cmd = [sys.executable, "-m", "jupyter", "lab", *lab_args[2:], "--no-browser", "--allow-root",
           "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}"]
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def get(path):
        req = urllib.request.Request(base + path, headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read()

    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp_path / "lab.log").read_text()[-3000:]
            try:
                get("/api/status")
                break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not answer within 90 s"
                time.sleep(0.5)
        status, body = get("/api/contents")
        names = {item["name"] for item in json.loads(body)["content"]}
        assert {"notebooks", "lib", "README.md"} <= names, f"not the repository root: {sorted(names)}"
        status, _ = get(f"/api/contents/{FIRST_CHAPTER}?content=0")
        assert status == 200
        status, _ = get(f"/lab/tree/{FIRST_CHAPTER}")
        assert status == 200
        # The page a browser would be sent to (jupyter_server writes it even with --no-browser).
        opened = list((tmp_path / "runtime").glob("jpserver-file-to-run-*-open.html"))
        assert opened, "JupyterLab did not record a notebook to open"
        assert f"/lab/tree/{FIRST_CHAPTER}" in opened[0].read_text()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
