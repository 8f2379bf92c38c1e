"""End to end in a real browser: JupyterLab + headless Chromium, as a student would use it.

For every notebook with a live panel (a cell that uses `lib.panel`), the test opens it in
JupyterLab, runs all cells from the Run menu, moves the panel's first slider one step with the
keyboard (and the 2-D lab's boundary panel also its dropout slider, MORE_SLIDERS), then clicks the other choice of each of its toggle buttons (schedule, dropout mode,
seeds; not a penalty's "none"), and checks that
  - the panel's image changes (the <img> src is a new PNG) after every move,
  - the status line reports the slider's new value and the chosen button,
  - no cell shows a traceback, an error output or "Error displaying widget".
Screenshots (before and after the slider moves) go to test-artifacts/browser/.

Marked `heavy`: `bash tests/run_all.sh --quick` leaves it out.
It needs Debian's Chromium (`apt-get install chromium`; Playwright's own browser download does
not work offline) and Playwright for Python (in requirements.txt). Without them it is skipped.
The notebooks run on copies in a temporary folder, so the committed files are never touched.
"""
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
    "--disable-quic", "--disable-sync", "--disable-extensions", "--disable-default-apps",
]
SERVER_START_TIMEOUT = 90        # s until JupyterLab answers
KERNEL_IDLE_TIMEOUT = 120_000    # ms until the kernel is connected and idle
RUN_ALL_TIMEOUT = 600_000        # ms for a chapter to run top to bottom in the browser (90 s unloaded)
SLIDER_TIMEOUT = 300_000         # ms for the panel to retrain after the slider moved

# JupyterLab user settings for the test server: every cell attached to the DOM (so the panel is
# there to find), no autosave, no news prompt.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                          "checkForUpdates": False},
}


def find_chromium():
    """Path of a Chromium executable, or None."""
    env = os.environ.get("CHROMIUM")
    for path in ([env] if env else []) + list(CHROMIUM_CANDIDATES):
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    found = shutil.which("chromium")
    return found


PANEL_CALL = re.compile(r"^\w+_panel\(", re.M)     # a cell line that builds a panel: overfitting_panel(...)
# Sliders moved besides each panel's first one, by their label: the 2-D lab's boundary_panel moves
# its λ (its first slider) and its dropout slider.
MORE_SLIDERS = ("dropout",)


def panel_notebooks(folder=NOTEBOOKS):
    """The chapter notebooks that show a live panel (a cell line like `penalty_panel()`)."""
    found = []
    for path in sorted(Path(folder).glob("[0-9]*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if any(c.cell_type == "code" and PANEL_CALL.search(c.source) for c in nb.cells):
            found.append(path)
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 with a token, serving `root_dir`; use as a context manager."""

    def __init__(self, root_dir, work_dir, log_path):
        self.root_dir, self.work_dir, self.log_path = Path(root_dir), Path(work_dir), Path(log_path)
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def __enter__(self):
        settings = self.work_dir / "lab-settings"
        for name, values in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ)
        for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                         ("IPYTHONDIR", "ipython")):
            env[var] = str(self.work_dir / sub)
        env.pop("JUPYTER_PLATFORM_DIRS", None)
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
               "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root_dir}",
               f"--LabApp.user_settings_dir={settings}",
               f"--LabApp.workspaces_dir={self.work_dir / 'workspaces'}"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                     cwd=self.root_dir, start_new_session=True)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._close()
                raise RuntimeError(f"JupyterLab exited with code {self.proc.returncode}; "
                                   f"log:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=5):
                    return self
            except OSError:
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_TIMEOUT} s; "
                           f"log:\n{self.log_path.read_text()[-3000:]}")

    def api(self, path, method="GET"):
        req = urllib.request.Request(f"{self.base}/api/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def stop_kernels(self):
        """Shut down every kernel the server runs (after each notebook: frees CPU and memory)."""
        for kernel in self.api("kernels"):
            try:
                self.api(f"kernels/{kernel['id']}", method="DELETE")
            except OSError:
                pass

    def url(self, path):
        return f"{self.base}/{path}{'&' if '?' in path else '?'}token={self.token}"

    def __exit__(self, *exc):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:    # a clean shutdown also stops the kernels it started
                req = urllib.request.Request(f"{self.base}/api/shutdown", method="POST",
                                             headers={"Authorization": f"token {self.token}"})
                urllib.request.urlopen(req, timeout=10).close()
                self.proc.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._close()

    def _close(self):
        if not self._log.closed:
            self._log.close()


def prepare_root(tmp, notebooks, repo=ROOT):
    """A server root holding copies of the notebooks in notebooks/ beside links to lib/ and data/,
    so the setup cell finds `lib` one level up exactly as in the repository."""
    root = Path(tmp) / "root"
    (root / "notebooks").mkdir(parents=True)
    for name in ("lib", "data"):
        if (Path(repo) / name).exists():
            (root / name).symlink_to(Path(repo) / name, target_is_directory=True)
    for nb in notebooks:
        shutil.copy(nb, root / "notebooks" / Path(nb).name)
    return root


KERNEL_STATE_JS = r"""() => {
    if (document.querySelector('.jp-Dialog .jp-Dialog-button.jp-mod-accept')) return 'dialog';
    const bar = document.querySelector('.jp-StatusBar-Widget');
    const text = bar ? bar.innerText : '';
    const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
    const idle = /\|\s*Idle/.test(text) && !/No Kernel/.test(text) && ind && ind.dataset.status === 'idle';
    return idle ? 'idle' : text.split('\n').find(t => t.includes('|')) || 'loading';
}"""


def kernel_state(page):
    """'idle', 'dialog' (a dialog waits for an answer), or the status bar's kernel text."""
    return page.evaluate(KERNEL_STATE_JS)


def wait_kernel_idle(page, timeout=KERNEL_IDLE_TIMEOUT):
    """Wait until the notebook's kernel is started, connected and idle.

    The toolbar's execution indicator says "idle" even before a kernel exists, so the status
    bar's kernel item ("Python 3 (ipykernel) | Idle", not "No Kernel | Initializing") decides.
    A "Select Kernel" dialog, if one comes up, is answered with the notebook's own kernel."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        state = kernel_state(page)
        if state == "idle":
            return
        if state == "dialog":
            page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").first.click()
        if time.monotonic() > deadline:
            raise TimeoutError(f"the kernel was not idle within {timeout / 1000:.0f} s (status: {state})")
        time.sleep(0.5)


def run_all_cells(page):
    """Run > Run All Cells, from the menu bar as a student would."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def wait_all_executed(page, timeout=RUN_ALL_TIMEOUT):
    """Wait until every code cell has an execution count and the kernel is idle again, or until
    the run stopped at an error (Run All stops there: the cells below keep an empty prompt)."""
    page.wait_for_function(
        r"""() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            if (!prompts.length) return false;
            if (prompts.every(p => /\[\d+\]/.test(p.textContent))) return true;
            const running = prompts.some(p => p.textContent.includes('*'));
            return !running && !!document.querySelector(
                '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
        }""", timeout=timeout, polling=500)
    wait_kernel_idle(page, timeout)


def error_outputs(page):
    """Texts of outputs that show an error: tracebacks, error outputs, widgets that failed."""
    return page.evaluate(
        r"""() => {
            const bad = [];
            for (const el of document.querySelectorAll('.jp-OutputArea-output')) {
                const text = el.innerText || '';
                const stderr = el.matches('[data-mime-type="application/vnd.jupyter.stderr"]');
                if ((stderr && /Traceback|Error/.test(text)) || /Traceback \(most recent call last\)/.test(text)
                    || /Error displaying widget|Failed to load model class|Could not create a model/.test(text)) {
                    bad.push(text.slice(0, 2000));
                }
            }
            return bad;
        }""")


def numbers_in(text):
    """The numbers written in a text ("1,000" -> 1000.0, "1e-3" -> 0.001)."""
    found = re.findall(r"[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", text)
    out = []
    for f in found:
        try:
            out.append(float(f.replace(",", "")))
        except ValueError:
            pass
    return out


def reports_value(status, readout):
    """Does the status text report the slider's readout value (number or word)?"""
    wanted = numbers_in(readout)
    if not wanted:
        return readout.strip().lower() in status.lower()
    have = numbers_in(status)
    return all(any(abs(w - h) <= 1e-9 + 1e-6 * abs(w) for h in have) for w in wanted)


class PanelView:
    """The DOM of one live panel on the page (an output holding a widget image and a slider):
    its image, sliders, and status line (the last HTML widget, if the panel has one)."""

    def __init__(self, page, index=0):
        self.page = page
        self.root = panel_outputs(page).nth(index)

    def image(self):
        return self.root.locator(".widget-image").first

    def image_src(self):
        return self.image().get_attribute("src") or ""

    def image_digest(self):
        """SHA-256 of the PNG bytes the image shows (a new blob URL alone proves nothing)."""
        return self.page.evaluate(
            """async (el) => {
                const buf = await (await fetch(el.getAttribute('src'))).arrayBuffer();
                const hash = await crypto.subtle.digest('SHA-256', buf);
                return [...new Uint8Array(hash)].map(b => b.toString(16).padStart(2, '0')).join('');
            }""", self.image().element_handle())

    def has_status(self):
        return self.root.locator(".widget-html-content").count() > 0

    def status(self):
        """The status line: the panel's last HTML widget (the one under the picture)."""
        texts = self.root.locator(".widget-html-content").all_inner_texts()
        return texts[-1].strip() if texts else ""

    def slider(self, which=0):
        return self.root.locator(".widget-slider").nth(which)

    def slider_labels(self):
        return [t.strip() for t in self.root.locator(".widget-slider .widget-label").all_inner_texts()]

    def readout(self, which=0):
        return (self.slider(which).locator(".widget-readout").first.inner_text() or "").strip()


def panel_outputs(page):
    """Every output on the page that holds a widget image and a slider: the live panels."""
    return page.locator(".jp-OutputArea-output").filter(
        has=page.locator(".widget-image")).filter(has=page.locator(".widget-slider"))


def settle(page, panel, timeout=SLIDER_TIMEOUT):
    """Wait until the kernel is idle and the panel's status no longer says it is training."""
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        if kernel_state(page) == "idle" and not re.search(r"[Tt]raining|Precomputing", panel.status()):
            return
        time.sleep(0.5)
    raise TimeoutError(f"the panel was still busy after {timeout / 1000:.0f} s: {panel.status()!r}")


def exercise_panel(page, name, index=0, artifacts=ARTIFACTS, slider=0):
    """Move the panel's first slider (or the slider number `slider`) one step right with the
    keyboard, as a student would.

    If the panel has a choice set to "none" (e.g. penalty: none/L1/L2), the slider would change
    nothing (it is greyed out), so the last choice of that group is clicked first.  Returns
    (before, after): dicts with the PNG digest of the image, the status text and the slider's
    readout; `after` is taken when the kernel is idle again, the image has changed and the status
    names the new value."""
    panel = PanelView(page, index)
    name = f"{name}-panel{index + 1}" + (f"-slider{slider + 1}" if slider else "")
    panel.root.wait_for(state="attached", timeout=60_000)
    panel.root.scroll_into_view_if_needed()
    # The panel has drawn its first picture once the image holds PNG data.
    page.wait_for_function("el => /^(blob|data):/.test(el.getAttribute('src') || '')",
                           arg=panel.image().element_handle(), timeout=SLIDER_TIMEOUT, polling=500)
    groups = panel.root.locator(".widget-toggle-buttons")
    for g in range(groups.count()):
        active = groups.nth(g).locator("button.mod-active, button.active")
        if active.count() and active.first.inner_text().strip().lower() == "none":
            groups.nth(g).locator("button").last.click()
    settle(page, panel)
    before = {"png": panel.image_digest(), "status": panel.status(), "readout": panel.readout(slider)}
    panel.root.screenshot(path=str(artifacts / f"{name}-before.png"))
    handle = panel.slider(slider).locator(".noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    deadline = time.monotonic() + SLIDER_TIMEOUT / 1000
    after = dict(before)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        after = {"png": panel.image_digest(), "status": panel.status(), "readout": panel.readout(slider)}
        if (after["png"] != before["png"]
                and (not panel.has_status() or reports_value(after["status"], after["readout"]))
                and kernel_state(page) == "idle" and not re.search(r"[Tt]raining", after["status"])):
            break
    panel.root.screenshot(path=str(artifacts / f"{name}-after.png"))
    after["has_status"] = panel.has_status()
    return before, after


def exercise_toggles(page, name, index=0, artifacts=ARTIFACTS):
    """Click, in each group of toggle buttons of the panel (except one with a "none" choice), the
    first button that is neither active nor disabled, as a student would.  Returns a list of
    (the button's label, before, after), with before and after as in exercise_panel."""
    panel = PanelView(page, index)
    groups = panel.root.locator(".widget-toggle-buttons")
    results = []
    for g in range(groups.count()):
        buttons = groups.nth(g).locator("button")
        labels = [t.strip() for t in buttons.all_inner_texts()]
        if "none" in [label.lower() for label in labels]:
            continue
        target = None
        for b in range(buttons.count()):
            button = buttons.nth(b)
            classes = button.get_attribute("class") or ""
            if not re.search(r"\b(mod-active|active)\b", classes) and not button.is_disabled():
                target = b
                break
        if target is None:
            continue
        settle(page, panel)
        before = {"png": panel.image_digest(), "status": panel.status()}
        buttons.nth(target).click()
        deadline = time.monotonic() + SLIDER_TIMEOUT / 1000
        after = dict(before)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            after = {"png": panel.image_digest(), "status": panel.status()}
            if (after["png"] != before["png"] and reports_value(after["status"], labels[target])
                    and kernel_state(page) == "idle" and not re.search(r"[Tt]raining", after["status"])):
                break
        panel.root.screenshot(path=str(artifacts / f"{name}-panel{index + 1}-toggle{g + 1}.png"))
        results.append((labels[target], before, after))
    return results


def open_and_run(page, lab, rel_path, name, artifacts=ARTIFACTS):
    """Open a notebook in JupyterLab, run all cells, and return the error outputs."""
    page.goto(lab.url(f"lab/tree/{rel_path}?reset"), wait_until="domcontentloaded", timeout=120_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    wait_kernel_idle(page)
    run_all_cells(page)
    try:
        wait_all_executed(page)
    finally:
        page.screenshot(path=str(artifacts / f"{name}-after-run-all.png"), full_page=True)


@pytest.fixture(scope="module")
def chromium_path():
    path = find_chromium()
    if path is None:
        pytest.skip("Chromium not found: install Debian's chromium with `apt-get install chromium` "
                    "(or set CHROMIUM=/path/to/chromium)")
    pytest.importorskip("playwright.sync_api", reason="Playwright missing: pip install -r requirements.txt")
    return path


@pytest.fixture(scope="module")
def lab(chromium_path, tmp_path_factory, announce):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)     # only this run's screenshots and log
    ARTIFACTS.mkdir(parents=True)
    nbs = panel_notebooks()
    announce(f"browser test: JupyterLab and headless Chromium run {len(nbs)} chapters and move their sliders "
             "(a few minutes: each chapter runs top to bottom in the browser); screenshots in "
             f"{ARTIFACTS.relative_to(ROOT)}/")
    tmp = tmp_path_factory.mktemp("lab")
    root = prepare_root(tmp, nbs)
    with JupyterLab(root, tmp, ARTIFACTS / "jupyter-server.log") as server:
        yield server


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def kernels_stopped(lab):
    """Stop the kernels once a test is done, so the next notebook gets the whole machine."""
    yield
    lab.stop_kernels()


def check_slider_move(which, before, after):
    """After a slider moved one step: its readout changed, the picture changed, and the status
    line (if the panel has one) reports the new value without an error."""
    assert after["readout"] != before["readout"], (
        f"{which}: the slider did not move on ArrowRight (readout stayed {before['readout']!r})")
    assert after["png"] != before["png"], f"{which}: the image did not change after the slider moved"
    if after["has_status"]:
        assert reports_value(after["status"], after["readout"]), (
            f"{which}: the status does not report the new slider value {after['readout']!r}: "
            f"{after['status']!r}")
        assert not re.search(r"Error|Traceback", after["status"]), (
            f"{which}: the status line shows an error: {after['status']!r}")


@pytest.mark.parametrize("notebook", panel_notebooks(), ids=lambda p: p.stem)
def test_panel_in_jupyterlab(notebook, chromium_path, lab, page, kernels_stopped):
    name = notebook.stem
    open_and_run(page, lab, f"notebooks/{notebook.name}", name)
    errors = error_outputs(page)
    assert not errors, f"{notebook.name}: cells show errors in the browser:\n" + "\n---\n".join(errors)
    count = panel_outputs(page).count()
    assert count > 0, f"{notebook.name}: no live panel (widget image + slider) appeared after Run All"
    for index in range(count):
        before, after = exercise_panel(page, name, index)
        which = f"{notebook.name}, panel {index + 1} of {count}"
        page.screenshot(path=str(ARTIFACTS / f"{name}-panel{index + 1}-page.png"), full_page=True)
        check_slider_move(which, before, after)
        for label, before, after in exercise_toggles(page, name, index):
            assert after["png"] != before["png"], f"{which}: the image did not change after clicking {label!r}"
            assert reports_value(after["status"], label), (
                f"{which}: the status does not report the chosen {label!r}: {after['status']!r}")
            assert not re.search(r"Error|Traceback", after["status"]), (
                f"{which}: the status line shows an error after clicking {label!r}: {after['status']!r}")
        labels = PanelView(page, index).slider_labels()
        for slider in [i for i, label in enumerate(labels) if i > 0 and label in MORE_SLIDERS]:
            before, after = exercise_panel(page, name, index, slider=slider)
            check_slider_move(f"{which}, slider {labels[slider]!r}", before, after)
    errors = error_outputs(page)
    assert not errors, f"{notebook.name}: errors after moving the slider:\n" + "\n---\n".join(errors)
    widget_errors = [e for e in page.console_errors if re.search(r"widget|model|comm", e, re.I)]
    assert not widget_errors, f"{notebook.name}: widget errors in the browser console: {widget_errors}"
