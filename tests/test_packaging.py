"""pyproject.toml: only the package `lib` is installed, the licence is an SPDX string, and the
setuptools that reads it is required (CONTRIBUTING.md, "Packaging")."""
import importlib.metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")


@pytest.fixture(scope="module")
def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_is_an_spdx_string(pyproject):
    # The TOML-table form ({text = "MIT"}) is deprecated by setuptools and stops working in 2027.
    assert pyproject["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").is_file() and "MIT" in (ROOT / "LICENSE").read_text()


def test_build_requires_a_setuptools_that_reads_spdx_licenses(pyproject):
    reqs = [Requirement(r) for r in pyproject["build-system"]["requires"]]
    setuptools = [r for r in reqs if r.name == "setuptools"]
    assert setuptools, "build-system.requires must name setuptools"
    spec = setuptools[0].specifier
    assert not spec.contains(Version("76.1")) and spec.contains(Version("77.0")), (
        f"setuptools{spec}: the SPDX `license` string needs setuptools>=77")


def test_only_lib_is_installed(pyproject):
    assert pyproject["tool"]["setuptools"]["packages"] == ["lib", "lib.exercises"], (
        "install exactly the package `lib` and its subpackage lib.exercises (the exercise "
        "checks); tools/, tests/ and notebooks/ stay out")
    on_disk = sorted(p.parent.relative_to(ROOT).as_posix().replace("/", ".")
                     for p in (ROOT / "lib").rglob("__init__.py"))
    assert on_disk == ["lib", "lib.exercises"], (
        f"lib's packages on disk are {on_disk}: list every one in pyproject.toml")
    assert "find" not in str(pyproject["tool"]["setuptools"]), "no package discovery: list `lib` explicitly"


def test_the_installed_distribution_holds_only_lib():
    try:
        dist = importlib.metadata.distribution("overfitting-from-scratch")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("not installed (pip install -e .)")
    top_level = (dist.read_text("top_level.txt") or "").split()
    assert top_level == ["lib"], f"the installed distribution provides {top_level}, not only lib"
