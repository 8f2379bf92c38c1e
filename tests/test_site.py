"""The static edition (tools/build_site.py): built with --fast into a temporary folder.

Quick tier: every chapter has a page, the local links and anchors resolve, no page loads anything
from the internet, every live panel of a chapter became a precomputed panel with the live panel's
controls, and frames of the build are byte for byte what a fresh live panel draws for that setting.
Heavy tier (a real browser): each page opened from file:// in headless Chromium with every
non-file request blocked loads without a failed request or a script error, its math is typeset
by the local MathJax, and moving each precomputed control shows the frame of the new setting.
"""
import importlib.util
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "build_site.py"
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def load_tool():
    spec = importlib.util.spec_from_file_location("build_site", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory, announce):
    """The --fast build (a fresh cache: everything is trained): the site's folder."""
    announce("test_site: building the static site with --fast (about a minute)")
    tmp = tmp_path_factory.mktemp("site")
    out = tmp / "site"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, str(TOOL), "--fast", "--out", str(out), "--cache", str(tmp / "cache")],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    assert result.returncode == 0, f"build_site.py --fast failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert "site:" in result.stdout, result.stdout[-2000:]
    return out


class Refs(HTMLParser):
    """What a page refers to: (tag, attribute, value) of every src/href, and every element id."""

    def __init__(self):
        super().__init__()
        self.refs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.refs.append((tag, name, value, dict(attrs)))
            if name == "id" and value:
                self.ids.add(value)


def parse(path):
    parser = Refs()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def pages(site):
    return sorted(site.glob("*.html"))


def static_panels(page_text):
    """The JSON data of every precomputed panel in a page."""
    return [json.loads(m.replace("<\\/", "</"))
            for m in re.findall(r'<script type="application/json" class="sp-data">(.*?)</script>', page_text, re.S)]


def panel_calls(notebook):
    tool = load_tool()
    nb = nbformat.read(notebook, as_version=4)
    return [m.group("call") for c in nb.cells if c.cell_type == "code" for m in [tool.PANEL_CALL.search(c.source)] if m]


def test_a_page_per_chapter_and_a_landing_page(site):
    names = {p.name for p in pages(site)}
    assert "index.html" in names
    for nb in CHAPTERS:
        assert nb.stem + ".html" in names, f"no page for {nb.name}"
        text = (site / (nb.stem + ".html")).read_text(encoding="utf-8")
        title = next(line[2:] for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "markdown"
                     for line in c.source.splitlines() if line.startswith("# "))
        assert "colab.research.google.com" in text and "mybinder.org" in text, f"{nb.name}: no Colab/Binder link"
        assert 'class="jp-InputArea' in text and "data:image/png;base64," in text, f"{nb.name}: code or figures missing"
        assert title.split()[0] in text
    landing = (site / "index.html").read_text(encoding="utf-8")
    for nb in CHAPTERS:
        assert f'href="{nb.stem}.html"' in landing, f"the landing page does not link {nb.stem}.html"


def test_local_links_and_anchors_resolve(site):
    ids = {p.name: parse(p).ids for p in pages(site)}
    broken = []
    for page in pages(site):
        for tag, attr, value, _ in parse(page).refs:
            parts = urlsplit(value)
            if parts.scheme in ("http", "https", "mailto", "data") or value.startswith("//"):
                continue
            target = page.name if not parts.path else unquote(parts.path)
            if not (site / target).exists():
                broken.append(f"{page.name}: <{tag} {attr}={value!r}>: no file {target}")
            elif parts.fragment and target.endswith(".html") and not {parts.fragment, unquote(parts.fragment)} & ids[target]:
                broken.append(f"{page.name}: <{tag} {attr}={value!r}>: no id {parts.fragment!r} in {target}")
    assert not broken, "\n".join(broken[:30])
    chapters = [p.stem + ".html" for p in CHAPTERS]
    for i, name in enumerate(chapters):      # each chapter links its neighbours and the contents
        hrefs = {v for _, a, v, _ in parse(site / name).refs if a == "href"}
        assert "index.html" in hrefs
        assert all(n in hrefs for n in chapters[max(0, i - 1):i] + chapters[i + 1:i + 2]), f"{name}: {sorted(hrefs)[:20]}"


def test_pages_load_nothing_from_the_internet(site):
    loaded = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src", "video": "src",
              "embed": "src", "input": "src", "link": "href"}
    remote = []
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        for tag, attr, value, attrs in parse(page).refs:
            if loaded.get(tag) == attr and re.match(r"(https?:)?//", value):
                if tag == "link" and attrs.get("rel") not in ("stylesheet", "preload", "icon", "modulepreload"):
                    continue
                remote.append(f"{page.name}: <{tag} {attr}={value}>")
        remote += [f"{page.name}: {m}" for m in re.findall(r"""(?:@import\s*|url\(\s*['"]?|import\(\s*['"])https?://[^'")\s]+""", text)]
    for path in site.rglob("*.css"):
        remote += [f"{path.name}: {m}" for m in re.findall(r"url\(\s*['\"]?https?://[^)]+", path.read_text())]
    assert not remote, "pages load from the internet:\n" + "\n".join(remote[:20])


def test_every_live_panel_is_a_precomputed_panel_with_its_controls(site):
    tool = load_tool()
    factories = tool.panel_factories()
    for nb in CHAPTERS:
        text = (site / (nb.stem + ".html")).read_text(encoding="utf-8")
        calls, panels = panel_calls(nb), static_panels(text)
        assert [d["call"] for d in panels] == calls, f"{nb.name}: live panels {calls}, precomputed ones {panels}"
        assert "application/vnd.jupyter.widget-view+json" not in text
        for call, data in zip(calls, panels):
            live, _ = tool.make_panel(call, factories, fast=True)
            try:
                assert [c["name"] for c in data["controls"]] == list(live.controls), f"{nb.name}: {call}"
                for c in data["controls"]:
                    offered = [v for _, v in tool.control_values(live.controls[c["name"]])]
                    assert len(c["values"]) >= 2, f"{call}: {c['name']} offers a single value"
                    assert c["values"][c["default"]] == live.controls[c["name"]].value, f"{call}: {c['name']}'s default"
                    assert set(c["values"]) <= set(offered), f"{call}: {c['name']} values not on the live control"
                for key, frame in data["frames"].items():
                    assert (site / frame["src"]).read_bytes().startswith(b"\x89PNG"), frame["src"]
                    assert len(key.split(",")) == len(data["controls"])
            finally:
                getattr(live, "close", lambda: None)()


def test_the_full_grids_stay_within_the_live_controls():
    """The grids of a full build (not trained here): values on the live controls, the default included."""
    tool = load_tool()
    factories = tool.panel_factories()
    for nb in CHAPTERS:
        for call in panel_calls(nb):
            live, _ = tool.make_panel(call, factories, fast=True)
            try:
                name = call.split("(")[0]
                grid = tool.panel_grid(name, live, fast=False)
                combos = 1
                for n, pairs in grid.items():
                    values = [v for _, v in pairs]
                    combos *= len(values)
                    assert live.controls[n].value in values, f"{call}: the default of {n} has no frame"
                    if name != "polyfit_panel":     # its degree slider's range follows n_points
                        offered = [v for _, v in tool.control_values(live.controls[n])]
                        assert set(values) <= set(offered), f"{call}: {n} = {values} not all on {offered}"
                    assert len(values) >= 2, f"{call}: {n} would offer a single value"
                assert combos <= 300, f"{call}: {combos} combinations: the site would grow too large"
            finally:
                getattr(live, "close", lambda: None)()


def test_frames_are_what_the_live_panel_draws(site):
    """For two settings of every panel (the default and the last of its grid): the frame's bytes
    equal the image of a fresh live panel moved to that setting with set()."""
    tool = load_tool()
    factories = tool.panel_factories()
    compared = 0
    for nb in CHAPTERS:
        text = (site / (nb.stem + ".html")).read_text(encoding="utf-8")
        for data in static_panels(text):
            call = data["call"]
            default = ",".join(str(c["default"]) for c in data["controls"])
            last = ",".join(str(len(c["values"]) - 1) for c in data["controls"])
            for key in dict.fromkeys([last, default]):
                if key not in data["frames"]:
                    continue
                live, _ = tool.make_panel(call, factories, fast=True)
                try:
                    setting = {c["name"]: c["values"][int(i)] for c, i in zip(data["controls"], key.split(","))}
                    live.set(**setting)
                    frame = (site / data["frames"][key]["src"]).read_bytes()
                    assert frame == live.image.value, f"{call} at {setting}: the frame differs from the live panel's picture"
                    compared += 1
                finally:
                    getattr(live, "close", lambda: None)()
    assert compared >= 4


def test_a_second_build_reuses_the_cache(site, tmp_path):
    """The frames come from the cache: nothing is drawn again."""
    cache = site.parent / "cache"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, str(TOOL), "--fast", "--out", str(tmp_path / "again"), "--cache", str(cache),
                             "--chapters", "02"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"penalty_panel: (\d+) combinations, \1 from the cache, 0 to draw", result.stdout), result.stdout
    again = (tmp_path / "again" / "02_l1_l2_penalties.html").read_text(encoding="utf-8")
    assert static_panels(again) == static_panels((site / "02_l1_l2_penalties.html").read_text(encoding="utf-8"))


def test_refuses_to_overwrite_a_folder_that_is_not_a_site(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = subprocess.run([sys.executable, str(TOOL), "--fast", "--out", str(tmp_path)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode != 0 and "not a built site" in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"


# --- heavy: a real browser, offline -------------------------------------------------------------
@pytest.fixture(scope="module")
def chromium(site):
    sys.path.insert(0, str(Path(__file__).parent))
    from test_browser import CHROMIUM_ARGS, find_chromium
    path = find_chromium()
    if path is None:
        pytest.skip("Chromium not found: install Debian's chromium with `apt-get install chromium`")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright missing: pip install -r requirements.txt")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_offline(browser, path):
    """A page opened from file:// with every other request aborted; returns (page, problems)."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    problems = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file://", "data:"))
                  else (problems.append(f"blocked {route.request.url}"), route.abort()))
    page = context.new_page()
    page.on("requestfailed", lambda r: problems.append(f"failed {r.url}: {r.failure}"))
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.goto(path.as_uri(), wait_until="load")
    return page, problems


# After MathJax 3 has typeset the page: formulas drawn, errors, and text cells that still hold $$ or \[ (raw TeX).
TYPESET = """() => MathJax.startup.promise.then(() => ({
  rendered: document.querySelectorAll('mjx-container').length,
  errors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
  raw: Array.from(document.querySelectorAll('.jp-RenderedMarkdown')).filter(e => /\\$\\$|\\\\\\[|\\\\begin\\{/.test(e.innerText)).length}))"""


@pytest.mark.heavy
def test_pages_work_offline_in_chromium(site, chromium):
    for path in pages(site):
        page, problems = open_offline(chromium, path)
        try:
            if path.name != "index.html":
                page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=60_000)
                math = page.evaluate(TYPESET)
                assert math["rendered"] > 0, f"{path.name}: no math typeset: {math}"
                assert math["errors"] == 0, f"{path.name}: MathJax errors: {math}"
                assert math["raw"] == 0, f"{path.name}: untypeset $$ or \\[ left in the text: {math}"
            page.wait_for_load_state("networkidle")
            assert not problems, f"{path.name}:\n" + "\n".join(problems[:20])
        finally:
            page.context.close()


def shown(page, index):
    return page.evaluate("""i => { const p = document.querySelectorAll('.static-panel')[i];
        const img = p.querySelector('.sp-frame');
        return {src: img.getAttribute('src'), key: img.getAttribute('data-key'), status: p.querySelector('.sp-status').textContent,
                loaded: img.complete && img.naturalWidth > 0}; }""", index)


@pytest.mark.heavy
def test_precomputed_controls_show_the_frame_of_their_value(site, chromium):
    checked = 0
    for path in pages(site):
        text = path.read_text(encoding="utf-8")
        panels = static_panels(text)
        if not panels:
            continue
        page, problems = open_offline(chromium, path)
        try:
            for index, data in enumerate(panels):
                root = page.locator(".static-panel").nth(index)
                root.scroll_into_view_if_needed()
                state = [c["default"] for c in data["controls"]]
                assert shown(page, index)["key"] == ",".join(map(str, state))
                pending = list(range(len(data["controls"])))
                while pending:       # a greyed-out control (λ without a penalty) waits until another one moves
                    key = ",".join(map(str, state))
                    off = data["frames"][key]["off"]
                    ready = [i for i in pending if data["controls"][i]["name"] not in off]
                    assert ready, f"{path.name}: controls {pending} stay greyed out"
                    i = ready[0]
                    pending.remove(i)
                    control = data["controls"][i]
                    row = root.locator(".sp-control").nth(i)
                    target = state[i] + 1 if state[i] + 1 < len(control["values"]) else state[i] - 1   # a neighbour
                    if control["kind"] == "slider":
                        row.locator("input").focus()
                        page.keyboard.press("ArrowRight" if target > state[i] else "ArrowLeft")
                    else:
                        row.locator(f'button[data-index="{target}"]').click()
                    state[i] = target
                    want = ",".join(map(str, state))
                    assert want in data["frames"], f"{path.name}: the fast grid has no frame for {want}"
                    page.wait_for_function(
                        "([i, src]) => { const img = document.querySelectorAll('.static-panel')[i].querySelector('.sp-frame');"
                        " return img.getAttribute('src') === src && img.complete && img.naturalWidth > 0; }",
                        arg=[index, data["frames"][want]["src"]], timeout=10_000)
                    now = shown(page, index)
                    assert now["key"] == want and now["status"] == data["frames"][want]["text"], (
                        f"{path.name}, panel {index + 1}, {control['name']}: showing {now}, expected key {want}")
                    checked += 1
            (ROOT / "test-artifacts").mkdir(exist_ok=True)
            page.screenshot(path=str(ROOT / "test-artifacts" / f"site-{path.stem}.png"), full_page=False)
            assert not problems, f"{path.name}:\n" + "\n".join(problems[:20])
        finally:
            page.context.close()
    assert checked >= 8
