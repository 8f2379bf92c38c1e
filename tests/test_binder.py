"""The Binder configuration (binder/), checked the way repo2docker uses it.

repo2docker looks in binder/ first and then ignores configuration files at the top level.  For a
Python repository it creates an environment with the version in binder/runtime.txt, then runs
`pip install -r binder/requirements.txt` from the repository root (after copying the whole
repository, because the file refers to ../requirements.txt).  JupyterLab then opens the
notebooks in notebooks/, where the setup cell makes `lib` importable.

The last test rebuilds that environment in .venv-binder/ (gitignored; reused while the
requirement files stay the same) and imports everything the notebooks need from notebooks/.
It is marked `heavy`: `bash tests/run_all.sh --quick` leaves it out.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
VENV = ROOT / ".venv-binder"
# Files repo2docker reads from binder/ for a pip-based Python environment.
KNOWN = {"runtime.txt", "requirements.txt", "postBuild", "apt.txt", "start", "README.md"}


def requirement_lines(path, seen=None):
    """(file, line) for every requirement, following `-r` references relative to the including file
    (as pip does)."""
    seen = seen or set()
    path = path.resolve()
    assert path not in seen, f"{path} is included twice"
    seen.add(path)
    out = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ")):
            target = path.parent / line.split(None, 1)[1]
            assert target.is_file(), f"{path.name}: `{line}` points to {target}, which does not exist"
            out += requirement_lines(target, seen)
        else:
            assert not line.startswith("-"), f"{path.name}: unexpected pip option {line!r}"
            out.append((path, line))
    return out


def combined_specifiers():
    """{package name: [SpecifierSet, ...]} over binder/requirements.txt and what it includes."""
    specs = {}
    for _, line in requirement_lines(BINDER / "requirements.txt"):
        req = Requirement(line)
        specs.setdefault(req.name.lower().replace("_", "-"), []).append(req.specifier)
    return specs


def allows(specs, name, version):
    return all(s.contains(Version(version), prereleases=True) for s in specs.get(name, []))


def test_binder_folder_has_only_files_repo2docker_reads():
    assert BINDER.is_dir()
    unknown = sorted(p.name for p in BINDER.iterdir() if p.name not in KNOWN)
    assert not unknown, f"binder/ holds files repo2docker does not read: {unknown}"


def test_runtime_is_python_311():
    text = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", text), f"binder/runtime.txt must read like python-3.11, got {text!r}"
    assert text == "python-3.11"


def test_requirements_give_the_widget_stack_jupyterlab_needs():
    specs = combined_specifiers()
    for name in ("numpy", "matplotlib", "ipywidgets", "ipykernel", "jupyterlab"):
        assert name in specs, f"binder/requirements.txt (with what it includes) does not install {name}"
    assert not allows(specs, "ipykernel", "7.0.1"), "ipykernel 7.0.x loses widget updates made from threads"
    assert allows(specs, "ipykernel", "7.1.0")
    assert not allows(specs, "ipywidgets", "7.7.1"), "JupyterLab 4 needs ipywidgets 8 (jupyterlab_widgets 3)"
    assert allows(specs, "ipywidgets", "8.1.0")
    assert not allows(specs, "jupyterlab", "3.6.0") and allows(specs, "jupyterlab", "4.2.0")


def binder_hash():
    h = hashlib.sha256()
    for path, line in sorted(requirement_lines(BINDER / "requirements.txt"), key=lambda x: x[1]):
        h.update(line.encode() + b"\n")
    h.update((BINDER / "runtime.txt").read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def binder_python(announce):
    version = (BINDER / "runtime.txt").read_text().strip().split("-", 1)[1]
    base = shutil.which(f"python{version}")
    if base is None:
        pytest.skip(f"python{version} (binder/runtime.txt) is not installed here")
    python, stamp = VENV / "bin" / "python", VENV / "binder.sha256"
    if python.exists() and stamp.exists() and stamp.read_text().strip() == binder_hash():
        return python
    announce(f"building {VENV.name}/ as Binder does (pip install -r binder/requirements.txt): about 600 MB, "
             "1-3 minutes with PyPI; reused by later runs")
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    # As repo2docker does: from the repository root, pip install -r binder/requirements.txt.
    result = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                             "-r", "binder/requirements.txt"], cwd=ROOT, capture_output=True, text=True,
                            timeout=1800)
    if result.returncode != 0:
        shutil.rmtree(VENV, ignore_errors=True)
        pytest.fail(f"pip install -r binder/requirements.txt failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    stamp.write_text(binder_hash() + "\n")
    return python


@pytest.mark.heavy
def test_binder_environment_runs_the_notebook_imports(binder_python):
    """In the Binder-like environment, from notebooks/ (where JupyterLab starts a notebook's
    kernel), the setup cell makes lib importable, and the widget stack is the one JupyterLab needs."""
    sys.path.insert(0, str(ROOT))
    from tools.setup_cell import SETUP_CELL
    probe = SETUP_CELL + '''
import os, ipykernel, ipywidgets, jupyterlab
import lib, lib.data
from lib import load_mnist, MultiLayerNet, train
(x, t), (x_test, t_test) = load_mnist()
print("lib", os.path.realpath(lib.__file__))
print("images", x.shape[0], x_test.shape[0])
print("versions", ipykernel.__version__, ipywidgets.__version__, jupyterlab.__version__)
'''
    if (ROOT / "lib" / "panel.py").exists():
        probe += "import lib.panel\n"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run([str(binder_python), "-c", probe], cwd=ROOT / "notebooks", env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert out["lib"] == str((ROOT / "lib" / "__init__.py").resolve())
    assert out["images"] == "5000 10000"
    ipykernel_v, ipywidgets_v, lab_v = out["versions"].split()
    assert Version(ipykernel_v) >= Version("7.1") and Version(ipywidgets_v) >= Version("8.1")
    assert Version(lab_v).major == 4
    manager = VENV / "share" / "jupyter" / "labextensions" / "@jupyter-widgets" / "jupyterlab-manager"
    assert (manager / "package.json").is_file(), "the JupyterLab widget manager (jupyterlab_widgets) is missing"
