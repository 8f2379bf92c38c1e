"""Build chapter slides that work offline: reveal.js, RequireJS, jQuery and MathJax from their npm
packages, in a node_modules/ folder beside the HTML, instead of the CDNs that nbconvert's slides load.

    .venv/bin/python tools/offline_slides.py                                  # every chapter
    .venv/bin/python tools/offline_slides.py notebooks/01_overfitting.ipynb --out build/slides

Writes OUT/NN_topic.slides.html (default OUT: build/slides, gitignored) with the stored outputs,
like `jupyter nbconvert --to slides --SlidesExporter.reveal_scroll=True --template-file
tools/slides_alt.html.j2` (figures with their alternative text). The packages are fetched
once with npm (needs npm and the internet; about 55 MB after pruning) and reused while their
versions stay the same. Copy the whole OUT folder to the classroom machine and open the HTML file
in a browser: nothing is loaded from the internet. Further nbconvert options pass through, e.g.
`--no-input`.
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "build" / "slides"
# nbconvert's reveal template with each figure's alternative text (the cell's metadata "alt").
TEMPLATE = ROOT / "tools" / "slides_alt.html.j2"
# The versions nbconvert's reveal template loads from its CDNs (jQuery 2.0.3 is not on npm).
PACKAGES = {"reveal.js": "4.0.2", "requirejs": "2.1.10", "jquery": "2.2.4", "mathjax": "2.7.7"}
# MathJax's uncompressed copy and its tests are not needed to typeset.
PRUNE = ["mathjax/unpacked", "mathjax/test"]
# nbconvert's page imports mermaid (for diagrams) from a CDN, and its URL cannot be configured
# (HTMLExporter.mermaid_js_url is not a config option in nbconvert 7.17); the chapters have no
# diagrams, so the import is removed from the page.
MERMAID_IMPORT = re.compile(r"<script type=\"module\">\s*import mermaid from '[^']*';.*?</script>\s*", re.S)


def local_urls(modules="node_modules"):
    """nbconvert options that point every script and style sheet at `modules` (relative to the HTML)."""
    return [
        f"--SlidesExporter.reveal_url_prefix={modules}/reveal.js",
        f"--HTMLExporter.require_js_url={modules}/requirejs/require.js",
        f"--HTMLExporter.jquery_url={modules}/jquery/dist/jquery.min.js",
        f"--HTMLExporter.mathjax_url={modules}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    ]


# reveal.js's themes @import web fonts from Google; offline the system's fonts are used instead.
WEB_FONT_IMPORT = re.compile(r"@import url\(https?://[^)]*\);?\n?")


def stamp(out):
    return Path(out) / "node_modules" / ".offline-slides.json"


def installed(out):
    """True if OUT/node_modules holds every package at its version, prepared for offline use."""
    path = stamp(out)
    return path.is_file() and json.loads(path.read_text()) == PACKAGES


def install_packages(out):
    if installed(out):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("offline_slides: npm is not installed (Debian: apt-get install npm)")
    out.mkdir(parents=True, exist_ok=True)
    print(f"fetching {', '.join(f'{n}@{v}' for n, v in PACKAGES.items())} into {out}/node_modules with npm",
          flush=True)
    subprocess.run([npm, "install", "--prefix", str(out), "--no-save", "--no-package-lock", "--no-audit",
                    "--no-fund", "--loglevel=error", *(f"{n}@{v}" for n, v in PACKAGES.items())], check=True)
    for name, version in PACKAGES.items():
        manifest = out / "node_modules" / name / "package.json"
        if not manifest.is_file() or json.loads(manifest.read_text()).get("version") != version:
            raise SystemExit(f"offline_slides: npm did not install {name}@{version} into {out}/node_modules")
    for rel in PRUNE:
        shutil.rmtree(out / "node_modules" / rel, ignore_errors=True)
    for css in (out / "node_modules" / "reveal.js" / "dist" / "theme").glob("*.css"):
        css.write_text(WEB_FONT_IMPORT.sub("", css.read_text(encoding="utf-8")), encoding="utf-8")
    stamp(out).write_text(json.dumps(PACKAGES))


def build(notebooks, out, extra=()):
    """Install the packages (once) and write OUT/<name>.slides.html for each notebook; returns the paths."""
    out = Path(out).resolve()
    install_packages(out)
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "slides",
                    "--SlidesExporter.reveal_scroll=True", f"--template-file={TEMPLATE}", *local_urls(),
                    f"--output-dir={out}", *extra,
                    *map(str, notebooks)], check=True)
    pages = [out / (Path(nb).stem + ".slides.html") for nb in notebooks]
    for page in pages:
        page.write_text(MERMAID_IMPORT.sub("", page.read_text(encoding="utf-8")), encoding="utf-8")
    return pages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/[0-9]*.ipynb")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for the slides (default: {DEFAULT_OUT})")
    args, extra = parser.parse_known_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    for path in build(notebooks, args.out, extra):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
