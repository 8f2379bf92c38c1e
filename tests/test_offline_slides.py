"""tools/offline_slides.py: slides that work without the internet, checked in a real browser.

A small notebook (three slides, a formula, a figure) is built with the tool; the page must refer
to no script or style sheet on the internet, and headless Chromium, with every http(s) request
blocked, must open it from the file system with reveal.js running (three slides, its style sheet
applied) and the formula typeset by MathJax. Screenshot: test-artifacts/offline-slides.png.

Marked `heavy`: it needs npm and the internet once (the packages are kept in
build/test-offline-slides/ and reused), and Debian's chromium; without them it is skipped.
"""
import base64
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import offline_slides  # noqa: E402

from test_browser import CHROMIUM_ARGS, find_chromium  # noqa: E402

OUT = ROOT / "build" / "test-offline-slides"
ARTIFACTS = ROOT / "test-artifacts"
# A 1x1 PNG: a figure output, as the chapters store them.
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d4944415478da63f8cfc0f01f0005000201"
    "b6f6b0a40000000049454e44ae426082")).decode()


def sample_notebook():
    def slide(cell, kind="slide"):
        cell.metadata["slideshow"] = {"slide_type": kind}
        return cell
    figure = new_code_cell("fig", execution_count=1,
                           outputs=[new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})])
    return new_notebook(cells=[
        slide(new_markdown_cell("# Offline slides")),
        slide(new_markdown_cell("## A formula\n\n$$E = \\frac{1}{2}\\lambda \\sum_i w_i^2$$")),
        slide(new_markdown_cell("## A figure")), slide(figure, "-"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


@pytest.fixture(scope="module")
def slides_page(tmp_path_factory, announce):
    nb_path = tmp_path_factory.mktemp("offline") / "offline_sample.ipynb"
    nbformat.write(sample_notebook(), nb_path)
    if not offline_slides.installed(OUT):
        announce("fetching reveal.js, RequireJS, jQuery and MathJax with npm for the offline slides (about 55 MB, "
                 "under a minute; reused by later runs)")
    try:
        [page] = offline_slides.build([nb_path], OUT)
    except SystemExit as error:             # npm missing
        pytest.skip(str(error))
    except subprocess.CalledProcessError as error:
        if error.cmd and "npm" in str(error.cmd[0]):
            pytest.skip("npm could not fetch the packages (the first run needs the internet)")
        raise
    return page


def test_page_loads_nothing_from_the_internet(slides_page):
    html = slides_page.read_text(encoding="utf-8")
    remote = re.findall(r"""(?:src|href)=["'](https?://[^"']+)|import [\w{} ,]+ from ['"](https?://[^'"]+)""", html)
    assert not remote, f"the offline slides still load: {remote}"
    for rel in re.findall(r"""(?:src|href)=["'](node_modules/[^"'?]+)""", html):
        assert (slides_page.parent / rel).is_file(), f"{rel} is referenced but not installed"


def test_slides_run_offline_in_chromium(slides_page):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("Chromium not found: apt-get install chromium (or set CHROMIUM=/path/to/chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright missing: pip install -r requirements.txt")
    blocked = []

    def block_network(route):
        if route.request.url.startswith(("http://", "https://")):
            blocked.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", block_network)
            page.goto(slides_page.as_uri(), wait_until="load", timeout=60_000)
            # reveal.js (loaded by RequireJS) marks the deck "ready" once it has laid out the slides.
            page.wait_for_selector(".reveal.ready", state="attached", timeout=60_000)
            assert page.evaluate("() => document.querySelectorAll('.reveal .slides > section').length") == 3
            # reveal.css positions the slide stack; without the style sheet it is a static block.
            assert page.evaluate("() => getComputedStyle(document.querySelector('.reveal .slides')).position") \
                == "absolute", "reveal.css is not applied"
            page.keyboard.press("ArrowRight")           # to the formula, typeset by MathJax
            page.wait_for_selector(".reveal .slides > section.present .MathJax_CHTML", timeout=60_000)
            page.wait_for_timeout(1500)                 # the slide transition
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "offline-slides.png"))
            assert not blocked, f"the slides tried to reach the internet: {blocked}"
            assert not errors, f"errors on the page: {errors}"
        finally:
            browser.close()
