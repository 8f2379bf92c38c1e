import os

# One BLAS thread, as the notebooks' setup cell does: the same float32 results in every run, and
# no fight over the cores between OpenBLAS threads.  Must happen before numpy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def announce_now(config, message):
    """Print `message` on the terminal at once, past pytest's output capture, so that a slow phase
    (building an extra environment, starting the browser) says what it does before a long silence."""
    text = f"== {message}"
    reporter = config.pluginmanager.getplugin("terminalreporter")
    capture = config.pluginmanager.getplugin("capturemanager")
    if reporter is None or capture is None:
        print(text, file=sys.__stderr__, flush=True)
        return
    with capture.global_and_fixture_disabled():
        reporter.ensure_newline()
        reporter.write_line(text, bold=True)
        reporter.flush()


@pytest.fixture(scope="session")
def announce(pytestconfig):
    """announce("building ... (about a minute)"): a line on the terminal now, even under capture."""
    return lambda message: announce_now(pytestconfig, message)


@pytest.fixture
def trained(monkeypatch):
    """For the panel tests: a list that records the arguments of every train() call the panels
    make (lib.panel.train is replaced by a spy that records, then trains)."""
    import lib.panel as panel_module
    calls = []
    real_train = panel_module.train

    def spy(net, x, t, x_test, t_test, **kwargs):
        calls.append({"net": net, "n_train": len(x), "n_test": len(x_test), **kwargs})
        return real_train(net, x, t, x_test, t_test, **kwargs)

    monkeypatch.setattr(panel_module, "train", spy)
    return calls
