"""Build the static edition of the series: site/, readable in any browser, with no kernel and no internet.

    .venv/bin/python tools/build_site.py                 # every chapter -> site/ (frames cached in build/site-cache/)
    .venv/bin/python tools/build_site.py --fast --out /tmp/site   # a tiny grid, few epochs (the tests use it)
    .venv/bin/python tools/build_site.py --cache DIR     # another cache of trained frames

What it writes:
  site/index.html          the landing page: the chapters, a table of contents, Colab/Binder links
  site/NN_topic.html       one page per chapter from the committed notebook (its stored text, math,
                           code and figures; nothing is executed), with links between the chapters
  site/frames/<panel>/     the PNG frames of the precomputed panels
  site/panel.js, site.css  the few lines that switch the frames; the pages' style
  site/mathjax/            MathJax 3 (SVG output) from the PyPI package django-static-mathjax: no CDN

Every live panel (a cell line like `penalty_panel()`, any `*_panel` function of lib) becomes a
precomputed panel: the same controls, each offering the values of the panel's grid (GRIDS below;
a panel not listed there offers every value of its controls, thinned evenly to at most MAX_FRAMES
combinations), and one PNG frame per combination.  A frame is what the live panel itself shows
for that setting: the panel is built as the notebook builds it, trained with its own precompute()
where it has one, moved there with its own set(), and its image's bytes are stored unchanged.
Combinations that the live panel refuses (a polynomial degree above n_points - 1) have no frame:
the page then moves the other controls to the nearest combination that has one.

Trained frames are cached in build/site-cache/ (or --cache), under a fingerprint of lib/, data/
and the versions of numpy, matplotlib and Pillow: a second build reuses them and only trains
what is new; a change to lib trains everything again.
"""
import argparse
import ast
import hashlib
import html
import inspect
import importlib
import io
import itertools
import json
import math
import re
import shutil
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_OUT, DEFAULT_CACHE = ROOT / "site", ROOT / "build" / "site-cache"
NOTEBOOKS = ROOT / "notebooks"

# The grid of each panel: {control: the values that get a frame}; controls left out get every value.
# Chosen for size and build time (a frame is 50-70 KB, a boundary_panel frame 135 KB).
GRIDS = {
    "overfitting_panel": {"width": [25, 100], "depth": [1, 6]},       # n_train, schedule, seeds: all
    "polyfit_panel": {"n_points": [4, 6, 8, 12, 20, 30, 60], "degree": list(range(16))},
    "boundary_panel": {"lam": [0.0, 0.01, 0.1], "dropout_ratio": [0.0, 0.5], "width": [10, 100],
                       "depth": [2, 4]},                              # penalty, seeds: all
}
MAX_FRAMES = 150          # a panel not in GRIDS: every value, thinned evenly to at most this many combinations
FAST_EPOCHS = 16          # --fast: epochs of a training panel
PANEL_CALL = re.compile(r"^(?P<call>(?P<name>\w+_panel)\(.*\))\s*$", re.M)   # the line that shows a panel
HEADING = re.compile(r'<h(?P<level>[12]) id="(?P<id>[^"]+)"[^>]*>(?P<text>.*?)</h[12]>', re.S)
NB_LINK = re.compile(r'href="(?:\.\./notebooks/|\./)?(?P<stem>\d\d_\w+)\.ipynb(?P<anchor>#[^"]*)?"')
REPO_LINK = re.compile(r'href="(?P<path>\.\./[^"#:]+)(?P<anchor>#[^"]*)?"')
MERMAID = re.compile(r"<script type=\"module\">\s*document\.addEventListener\(\"DOMContentLoaded\", async \(\) => \{"
                     r"\s*const diagrams = document\.querySelectorAll\(\"\.jp-Mermaid.*?</script>\s*", re.S)
CDN_SCRIPT = re.compile(r'<script src="https?://[^"]*"[^>]*>\s*</script>\s*')
STATUS_TIMING = re.compile(r" \((?:trained in [\d.]+ s|from the cache)\)")
MATHJAX = ("<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
           "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true, processEnvironments: true, "
           "tags: 'ams'}, svg: {fontCache: 'global'}};</script>\n"
           '<script src="mathjax/tex-svg.js"></script>\n')
# MathJax 3 with SVG output (no web fonts): the single-file component, what its autoload and menu load
MATHJAX_FILES = ["tex-svg.js", "input/tex/extensions", "a11y", "ui"]
NBCONVERT_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)


# --- the panels -------------------------------------------------------------------------------------
def panel_factories():
    """{name: function} of every `*_panel` function defined in a lib module."""
    found = {}
    for path in sorted((ROOT / "lib").glob("*.py")):
        if re.search(r"^def \w+_panel\(", path.read_text(encoding="utf-8"), re.M):
            module = importlib.import_module(f"lib.{path.stem}")
            found.update({name: f for name, f in vars(module).items()
                          if name.endswith("_panel") and not name.startswith("_") and callable(f)
                          and getattr(f, "__module__", "") == module.__name__})
    return found


def make_panel(call, factories, fast):
    """Build the panel of a notebook line like `polyfit_panel(n_points=12, degree=3)` (literal arguments)."""
    node = ast.parse(call, mode="eval").body
    name = node.func.id
    if name not in factories:
        raise ValueError(f"{call}: no function {name} in lib (found {sorted(factories)})")
    args = [ast.literal_eval(a) for a in node.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
    factory = factories[name]
    if fast and "epochs" in inspect.signature(factory).parameters:
        kwargs.setdefault("epochs", FAST_EPOCHS)
    return factory(*args, **kwargs), kwargs


def control_values(control):
    """[(label, value), ...]: every value a control offers, in order."""
    if hasattr(control, "options"):
        return [tuple(o) if isinstance(o, tuple) else (str(o), o) for o in control.options]
    if type(control).__name__ in ("Checkbox", "ToggleButton"):
        return [("off", False), ("on", True)]
    if hasattr(control, "min") and hasattr(control, "step"):
        count = int(round((control.max - control.min) / control.step)) + 1
        values = [control.min + i * control.step for i in range(count)]
        return [(f"{v:g}", v) for v in values]
    raise ValueError(f"cannot read the values of a {type(control).__name__} control")


def control_kind(control):
    return "slider" if hasattr(control, "min") or "Slider" in type(control).__name__ else "buttons"


def thin(values, default, keep):
    """At most `keep` of values, evenly spread, always with the first, the last and the default."""
    if len(values) <= keep:
        return list(values)
    picked = {round(i * (len(values) - 1) / (keep - 1)) for i in range(keep)} | {values.index(default)}
    return [values[i] for i in sorted(picked)]


def panel_grid(name, panel, fast):
    """{control: [(label, value), ...]}: the values of each control that get frames."""
    controls = panel.controls
    offered = {n: control_values(c) for n, c in controls.items()}
    if name in GRIDS:      # values beyond a control's present range (a degree slider's max moves)
        for n, wanted in GRIDS[name].items():
            known = dict((v, lab) for lab, v in offered[n])
            offered[n] = [(known.get(v, f"{v:g}" if isinstance(v, float) else str(v)), v) for v in wanted]
    if fast:     # the default and its neighbour
        grid = {}
        for n, pairs in offered.items():
            values = [v for _, v in pairs]
            i = values.index(controls[n].value) if controls[n].value in values else 0
            j = i + 1 if i + 1 < len(values) else i - 1
            grid[n] = [pairs[k] for k in sorted({i, j}) if k >= 0]
        return grid
    if name in GRIDS:
        return offered
    keep = max(len(p) for p in offered.values())
    while keep > 2 and math.prod(min(len(p), keep) for p in offered.values()) > MAX_FRAMES:
        keep -= 1
    return {n: [p for p in pairs if p[1] in thin([v for _, v in pairs], controls[n].value, keep)]
            for n, pairs in offered.items()}


def status_text(panel):
    """The panel's status line as plain text, without how long it took."""
    status = getattr(panel, "status", None)
    if status is None:
        return ""
    text = html.unescape(re.sub(r"<br\s*/?>", " · ", re.sub(r"<(?!br)[^>]+>", "", status.value)))
    return STATUS_TIMING.sub("", text).strip()


def fingerprint():
    """What the frames depend on: lib's code, the data and the drawing libraries' versions."""
    import matplotlib
    import numpy
    import PIL
    h = hashlib.sha256(f"{numpy.__version__} {matplotlib.__version__} {PIL.__version__}".encode())
    for path in sorted((ROOT / "lib").rglob("*.py")) + [ROOT / "data" / "SHA256SUMS"]:
        if path.exists():
            h.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return h.hexdigest()[:16]


class FrameCache:
    """PNG frames on disk: DIR/<fingerprint>/<panel call and options>/<combination>.png and .json."""

    def __init__(self, root, key):
        self.dir = Path(root) / fingerprint() / hashlib.sha256(key.encode()).hexdigest()[:16]

    def _path(self, combo):
        return self.dir / hashlib.sha256(json.dumps(combo, sort_keys=True).encode()).hexdigest()[:20]

    def get(self, combo):
        meta = self._path(combo).with_suffix(".json")
        if not meta.exists():
            return None
        info = json.loads(meta.read_text())
        if info.get("invalid"):
            return info
        png = self._path(combo).with_suffix(".png")
        return {**info, "png": png.read_bytes()} if png.exists() else None

    def put(self, combo, frame):
        self.dir.mkdir(parents=True, exist_ok=True)
        if frame.get("png") is not None:
            self._path(combo).with_suffix(".png").write_bytes(frame["png"])
        info = {k: v for k, v in frame.items() if k != "png"}
        self._path(combo).with_suffix(".json").write_text(json.dumps({**info, "settings": combo}))


def panel_frames(panel, grid, cache, label, chunk=8):
    """{index tuple: frame} for every combination of the grid; frame: {"png", "text", "off"} or {"invalid"}.

    Trains what the cache lacks with the panel's own precompute() (chunk settings at a time, so an
    interrupted build keeps what it trained), then moves the panel there with set() and keeps its image."""
    names = list(grid)
    combos = [dict(zip(names, (v for _, v in pick))) for pick in itertools.product(*grid.values())]
    indices = list(itertools.product(*(range(len(p)) for p in grid.values())))
    frames, todo = {}, []
    for index, combo in zip(indices, combos):
        hit = cache.get(combo)
        if hit is not None:
            frames[index] = hit
        else:
            todo.append((index, combo))
    start, done = time.perf_counter(), 0
    print(f"{label}: {len(combos)} combinations, {len(combos) - len(todo)} from the cache, {len(todo)} to draw",
          flush=True)
    for k in range(0, len(todo), chunk):
        part = todo[k:k + chunk]
        if hasattr(panel, "precompute"):
            valid = [c for _, c in part if _allowed(panel, c)]
            with redirect_stdout(io.StringIO()):       # our own progress line instead of its one
                panel.precompute(valid)
        for index, combo in part:
            frames[index] = frame = _draw(panel, combo)
            cache.put(combo, frame)
        done += len(part)
        elapsed = time.perf_counter() - start
        print(f"  {label}: {done}/{len(todo)} drawn, {elapsed:.0f} s, about "
              f"{elapsed / done * (len(todo) - done):.0f} s to go", flush=True)
    return frames


def _allowed(panel, combo):
    checked = getattr(panel, "_checked", None)
    try:
        if checked:
            checked(combo, "precompute()")
        return True
    except ValueError:
        return False


def _draw(panel, combo):
    """What the live panel shows after set(**combo): its image bytes, status line, greyed-out controls."""
    try:
        panel.set(**combo)
    except ValueError:
        return {"invalid": True}
    if any(c.value != combo[n] for n, c in panel.controls.items() if n in combo):
        return {"invalid": True}
    off = [n for n, c in panel.controls.items() if getattr(c, "disabled", False)]
    return {"png": panel.image.value, "text": status_text(panel), "off": off}


# --- the pages --------------------------------------------------------------------------------------
def readme_links():
    """(Colab URL template, Binder URL template) from the README's buttons: {nb} is the notebook's file name."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    colab = re.search(r"\((https://colab\.research\.google\.com/github/[^)\s]+/notebooks/)\d\d_\w+\.ipynb\)", text)
    binder = re.search(r"\((https://mybinder\.org/v2/gh/[^)\s]+?/notebooks/)\d\d_\w+\.ipynb\)", text)
    if not colab or not binder:
        raise ValueError("README.md: could not find the Colab and Binder links of a chapter")
    return colab.group(1) + "{nb}", binder.group(1) + "{nb}"


def copy_mathjax(out):
    """MathJax 3 (tex-svg: SVG output, no fonts to load) from the PyPI package django-static-mathjax
    (a plain copy of MathJax's npm package; it needs no Django) into out/mathjax."""
    try:
        import mathjax
    except ImportError:
        sys.exit("MathJax is missing: .venv/bin/pip install -r requirements.txt (django-static-mathjax)")
    source = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    for name in MATHJAX_FILES:
        target = out / "mathjax" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (source / name).is_dir() else shutil.copyfile)(source / name, target)


def chapter_html(nb, exporter):
    """The chapter's page body (nbconvert's lab template) with every CDN script removed."""
    body, _ = exporter.from_notebook_node(nb)
    body = MERMAID.sub("", body)       # diagram support loaded from a CDN; the chapters have no diagrams
    body = NBCONVERT_MATHJAX.sub(lambda m: MATHJAX, body, count=1)  # MathJax 2 from cdnjs -> 3 from site/mathjax
    body = CDN_SCRIPT.sub("", body)    # RequireJS from cdnjs (needed only by widgets)
    return body


def static_panel_html(pid, name, call, panel, grid, frames, links, fast, defaults):
    """The precomputed panel: its controls, the frame, its status line and a note with the live links.
    Returns (HTML, {frame path: PNG bytes})."""
    names = list(grid)
    data = {"id": pid, "call": call, "controls": [], "frames": {}}
    for n in names:
        control = panel.controls[n]
        values = [v for _, v in grid[n]]
        default = values.index(defaults[n]) if defaults[n] in values else 0
        data["controls"].append({"name": n, "description": getattr(control, "description", "") or n,
                                 "kind": control_kind(control), "labels": [lab for lab, _ in grid[n]],
                                 "values": values, "default": default})
    for index, frame in frames.items():
        if not frame.get("invalid"):
            src = f"frames/{name}/{hashlib.sha256(frame['png']).hexdigest()[:16]}.png"
            data["frames"][",".join(map(str, index))] = {"src": src, "text": frame["text"], "off": frame["off"]}
    shown = ",".join(str(c["default"]) for c in data["controls"])
    first = data["frames"].get(shown) or next(iter(data["frames"].values()))
    trained = len({f["src"] for f in data["frames"].values()})
    grid_text = "; ".join(f"{c['description']}: {', '.join(c['labels'])}" for c in data["controls"])
    epochs = getattr(panel, "epochs", None)
    fast_note = f" (a --fast build: {epochs} epochs, a tiny grid)" if fast and epochs else ""
    payload = json.dumps(data).replace("</", "<\\/")
    rows = []
    for c in data["controls"]:
        if c["kind"] == "slider":
            widget = (f'<input type="range" min="0" max="{len(c["values"]) - 1}" step="1" value="{c["default"]}" '
                      f'aria-label="{html.escape(c["description"])}"><output>{html.escape(c["labels"][c["default"]])}</output>')
        else:
            widget = "".join(f'<button type="button" data-index="{i}" aria-pressed="{str(i == c["default"]).lower()}">'
                             f'{html.escape(label)}</button>' for i, label in enumerate(c["labels"]))
        rows.append(f'<div class="sp-control sp-{c["kind"]}" data-name="{html.escape(c["name"])}">'
                    f'<span class="sp-label">{html.escape(c["description"])}</span>{widget}</div>')
    alt = f"the {name.replace('_', ' ')}: the picture for the chosen setting"
    return (f'<div class="static-panel" id="{pid}">\n<div class="sp-controls">{"".join(rows)}</div>\n'
            f'<img class="sp-frame" src="{first["src"]}" alt="{html.escape(alt)}">\n'
            f'<div class="sp-status">{html.escape(first["text"])}</div>\n'
            f'<p class="sp-note">Precomputed: this panel flips between {trained} pictures drawn ahead of time by '
            f'<code>{html.escape(call)}</code>{fast_note}, one for each combination of {html.escape(grid_text)}. '
            f'The live panel trains any setting you choose: run it on <a href="{links[0]}">Colab</a> or '
            f'<a href="{links[1]}">Binder</a>.</p>\n'
            f'<script type="application/json" class="sp-data">{payload}</script>\n'
            f'</div>'), {f["src"]: frames_png(frames, f["src"]) for f in data["frames"].values()}


def frames_png(frames, src):
    digest = Path(src).stem
    for frame in frames.values():
        if not frame.get("invalid") and hashlib.sha256(frame["png"]).hexdigest()[:16] == digest:
            return frame["png"]
    raise KeyError(src)


PANEL_JS = r"""// Precomputed panels: each control picks a value; the picture is the frame of that combination.
(function () {
  function setup(root) {
    var data = JSON.parse(root.querySelector(".sp-data").textContent);
    var img = root.querySelector(".sp-frame"), status = root.querySelector(".sp-status");
    var state = data.controls.map(function (c) { return c.default; });
    var rows = root.querySelectorAll(".sp-control");
    function key(s) { return s.join(","); }
    function nearest(moved) {       // a combination without a frame: keep the moved control, move the others least
      var best = null, bestCost = Infinity;
      Object.keys(data.frames).forEach(function (k) {
        var s = k.split(",").map(Number);
        if (s[moved] !== state[moved]) return;
        var cost = 0;
        s.forEach(function (v, i) { cost += Math.abs(v - state[i]); });
        if (cost < bestCost) { best = s; bestCost = cost; }
      });
      return best;
    }
    function show() {
      var frame = data.frames[key(state)];
      img.src = frame.src;
      img.setAttribute("data-key", key(state));
      status.textContent = frame.text;
      data.controls.forEach(function (c, i) {
        var row = rows[i], off = frame.off.indexOf(c.name) >= 0;
        row.classList.toggle("sp-off", off);
        var input = row.querySelector("input");
        if (input) { input.value = state[i]; input.disabled = off; row.querySelector("output").textContent = c.labels[state[i]]; }
        row.querySelectorAll("button").forEach(function (b) {
          b.setAttribute("aria-pressed", String(Number(b.getAttribute("data-index")) === state[i]));
          b.disabled = off;
        });
      });
    }
    function choose(i, value) {
      state[i] = value;
      if (!data.frames[key(state)]) state = nearest(i) || state;
      show();
    }
    data.controls.forEach(function (c, i) {
      var input = rows[i].querySelector("input");
      if (input) input.addEventListener("input", function () { choose(i, Number(input.value)); });
      rows[i].querySelectorAll("button").forEach(function (b) {
        b.addEventListener("click", function () { choose(i, Number(b.getAttribute("data-index"))); });
      });
    });
    show();
  }
  document.querySelectorAll(".static-panel").forEach(setup);
})();
"""

SITE_CSS = """
.site-nav { position: sticky; top: 0; z-index: 10; background: #f6f8fa; border-bottom: 1px solid #d0d7de;
  padding: 0.5em 1em; font: 15px/1.5 system-ui, sans-serif; display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; }
.site-nav a { text-decoration: none; }
.site-button { display: inline-block; padding: 0.1em 0.6em; border: 1px solid #888; border-radius: 4px;
  background: #fff; color: #222 !important; font-size: 14px; }
.static-panel { border: 1px solid #ccc; border-radius: 6px; padding: 0.6em; margin: 0.4em 0; max-width: 960px;
  font: 14px/1.4 system-ui, sans-serif; }
.sp-controls { display: flex; flex-wrap: wrap; gap: 0.4em 1.4em; margin-bottom: 0.4em; align-items: center; }
.sp-control { display: flex; align-items: center; gap: 0.4em; }
.sp-control output { min-width: 3em; font-weight: bold; }
.sp-control button { border: 1px solid #999; background: #eee; padding: 0.15em 0.6em; cursor: pointer; }
.sp-control button[aria-pressed="true"] { background: #1e88e5; color: #fff; border-color: #1565c0; }
.sp-off { opacity: 0.45; }
.sp-frame { max-width: 100%; display: block; }
.sp-status { margin-top: 0.3em; }
.sp-note { color: #555; font-size: 13px; margin: 0.4em 0 0; }
.landing { max-width: 900px; margin: 2em auto; padding: 0 1em; font: 16px/1.55 system-ui, sans-serif; }
.landing table { border-collapse: collapse; } .landing td, .landing th { border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; }
.landing ul.toc { margin-top: 0.2em; }
"""


def nav_html(chapters, i, links):
    prev = f'<a href="{chapters[i - 1]["file"]}">← {html.escape(chapters[i - 1]["short"])}</a>' if i > 0 else ""
    nxt = (f'<a href="{chapters[i + 1]["file"]}">{html.escape(chapters[i + 1]["short"])} →</a>'
           if i + 1 < len(chapters) else "")
    return (f'<nav class="site-nav"><a href="index.html">Contents</a>{prev}{nxt}'
            f'<span>Run this chapter: <a class="site-button" href="{links[0]}">Open in Colab</a> '
            f'<a class="site-button" href="{links[1]}">Launch Binder</a></span></nav>')


def landing_html(chapters, colab, binder, stamp):
    rows, toc = [], []
    for c in chapters:
        rows.append(f'<tr><td>{c["number"]}</td><td><a href="{c["file"]}">{html.escape(c["title"])}</a></td>'
                    f'<td><a class="site-button" href="{colab.format(nb=c["nb"])}">Colab</a> '
                    f'<a class="site-button" href="{binder.format(nb=c["nb"])}">Binder</a></td></tr>')
        items = "".join(f'<li><a href="{c["file"]}#{hid}">{text}</a></li>' for hid, text in c["sections"])
        toc.append(f'<li><a href="{c["file"]}">{html.escape(c["title"])}</a><ul class="toc">{items}</ul></li>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Overfitting and how to fight it — from scratch, in NumPy</title><link rel="stylesheet" href="site.css"></head>
<body><main class="landing">
<h1>Overfitting and how to fight it — from scratch, in NumPy</h1>
<p>A series of four chapters that starts from section 6.4 of Koki Saitoh's <i>Deep Learning from Scratch</i>
and goes further: why a network that memorises its training images fails on new ones, and what L1 and L2
penalties, dropout and validation-based choices do about it. This is the static edition: every page opens in
any browser, without Python and without the internet. Its panels flip between training runs made ahead of
time; to train your own settings, run a chapter on Colab or Binder.</p>
<table><tr><th></th><th>chapter</th><th>run it</th></tr>
{"".join(rows)}
</table>
<h2>Contents</h2>
<ol>{"".join(toc)}</ol>
<p><small>Built {html.escape(stamp)} from the notebooks in the repository by <code>tools/build_site.py</code>.</small></p>
</main></body></html>
"""


def build(out, cache_dir, fast=False, only=None):
    from nbconvert import HTMLExporter
    import nbformat

    start = time.perf_counter()
    out = Path(out)
    if out.resolve() in (ROOT.resolve(), NOTEBOOKS.resolve()):
        sys.exit(f"refusing to write the site into {out}")
    if out.exists():
        if any(out.iterdir()) and not (out / "index.html").exists():
            sys.exit(f"{out} exists, is not empty and is not a built site: choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    copy_mathjax(out)
    (out / "panel.js").write_text(PANEL_JS, encoding="utf-8")
    (out / "site.css").write_text(SITE_CSS, encoding="utf-8")
    colab, binder = readme_links()
    exporter = HTMLExporter(template_name="lab")
    factories = panel_factories()
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if p.stem[:2] in only]
    chapters = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        title = next((line[2:].strip() for c in nb.cells if c.cell_type == "markdown"
                      for line in c.source.splitlines() if line.startswith("# ")), path.stem)
        short = re.sub(r"\s*[—:-].*$", "", title) or title
        chapters.append({"nb": path.name, "file": path.stem + ".html", "title": title, "short": short,
                         "number": int(path.stem[:2]), "path": path, "notebook": nb, "sections": []})
    fmt = "|".join(re.escape(c["path"].stem) for c in chapters)
    for i, chapter in enumerate(chapters):
        nb, links = chapter["notebook"], (colab.format(nb=chapter["nb"]), binder.format(nb=chapter["nb"]))
        panels = []
        for k, cell in enumerate(nb.cells):
            match = PANEL_CALL.search(cell.source) if cell.cell_type == "code" else None
            if not match:
                continue
            pid = f"panel-{chapter['path'].stem[:2]}-{len(panels) + 1}"
            name = match.group("name")
            panel, kwargs = make_panel(match.group("call"), factories, fast)
            defaults = {n: c.value for n, c in panel.controls.items()}
            grid = panel_grid(name, panel, fast)
            cache = FrameCache(cache_dir, json.dumps([match.group("call"), kwargs, fast, grid], default=str))
            frames = panel_frames(panel, grid, cache, f"chapter {chapter['number']}, {name}")
            piece, pngs = static_panel_html(pid, name, match.group("call"), panel, grid, frames, links, fast, defaults)
            if hasattr(panel, "close"):
                panel.close()
            for src, png in pngs.items():
                (out / src).parent.mkdir(parents=True, exist_ok=True)
                (out / src).write_bytes(png)
            marker = f"STATIC-PANEL-{pid}"
            cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": marker})]
            panels.append((marker, piece))
        body = chapter_html(nb, exporter)
        for marker, piece in panels:
            body = body.replace(marker, piece, 1)
        body = NB_LINK.sub(lambda m: f'href="{m["stem"]}.html{m["anchor"] or ""}"'
                           if re.fullmatch(fmt, m["stem"]) else m[0], body)
        body = REPO_LINK.sub(lambda m: f'href="{github_blob(colab)}/{m["path"][3:]}{m["anchor"] or ""}"', body)
        body = body.replace("<title>Notebook</title>", f"<title>{html.escape(chapter['title'])}</title>", 1)
        body = body.replace("</head>", '<link rel="stylesheet" href="site.css">\n</head>', 1)
        body = re.sub(r"(<body[^>]*>)", lambda m: m[1] + nav_html(chapters, i, links), body, count=1)
        if panels:
            body = body.replace("</body>", '<script src="panel.js"></script>\n</body>', 1)
        chapter["sections"] = [(m["id"], re.sub(r"<a class=\"anchor-link\".*?</a>", "", m["text"]).strip())
                               for m in HEADING.finditer(body) if m["level"] == "2"]
        (out / chapter["file"]).write_text(body, encoding="utf-8")
        print(f"wrote {chapter['file']} ({len(panels)} precomputed panel(s))", flush=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()) + (" (--fast)" if fast else "")
    (out / "index.html").write_text(landing_html(chapters, colab, binder, stamp), encoding="utf-8")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"site: {out} ({size / 1e6:.1f} MB, {sum(1 for _ in out.rglob('*.png'))} PNG frames) "
          f"in {time.perf_counter() - start:.0f} s; open {out / 'index.html'}")
    return out


def github_blob(colab):
    """https://github.com/OWNER/REPO/blob/BRANCH from the Colab URL template."""
    return "https://github.com/" + colab.split("/github/", 1)[1].rsplit("/notebooks/", 1)[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="where to write the site (default: site/)")
    parser.add_argument("--cache", default=str(DEFAULT_CACHE), help="the cache of trained frames (default: build/site-cache/)")
    parser.add_argument("--fast", action="store_true",
                        help=f"a tiny grid (each control's default and one neighbour) and {FAST_EPOCHS} epochs: for tests")
    parser.add_argument("--chapters", nargs="*", help="only these chapters, e.g. --chapters 01 03")
    args = parser.parse_args(argv)
    build(args.out, args.cache, fast=args.fast, only=args.chapters)


if __name__ == "__main__":
    main()
