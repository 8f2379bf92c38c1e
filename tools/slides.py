"""Give every cell of the chapters its slideshow metadata, so that a chapter is also a deck:

    python tools/slides.py                 # all notebooks/NN_*.ipynb (rewrites only what changed)
    python tools/slides.py --check         # exit 1 if a notebook's metadata is out of date
    jupyter nbconvert --to slides --template-file tools/slides_alt.html.j2 notebooks/01_overfitting.ipynb
                                           # -> notebooks/01_overfitting.slides.html, figures with
                                           #    their cell's metadata "alt" as alternative text

The slide type of a cell (metadata.slideshow.slide_type) follows from the notebook's content
alone, so running the tool twice changes nothing:

    the setup cell (tag "setup")                        skip
    an empty cell; an import cell (at least 3/4 of      skip
      its statements are imports, and no figure)
    an exercise cell (### BEGIN SOLUTION ...)           notes     (the presenter view only, so the
                                                                   solution stays off the screen)
    the check cell after it                             skip
    markdown starting with "# " or "## "                slide     (a new horizontal slide)
    markdown starting with "### " or "#### "            subslide  (a new slide below it)
    markdown starting with an answer ("**Answer",       fragment  (appears on the next click, after
      "*Answer", "<details")                                       the question has been asked)
    any other cell                                      -         (continues the current slide),
      unless the slide would run off a projector:                 or subslide
      its estimated height (text lines and the pixel
      size of stored figures) passes SLIDE_HEIGHT

Only `metadata.slideshow` is touched; a notebook whose metadata is already right is not
rewritten.
"""
import argparse
import base64
import math
import re
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from student_edition import ROOT, chapter_paths, check_call, is_import_cell, parse_blocks  # noqa: E402

SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
SLIDE_HEIGHT = 680          # px of content that fit on a 1280x720 projector slide (reveal.js)
LINE = 30                   # px per line of text (markdown or code) on a slide
CHARS_PER_LINE = 90         # a longer line wraps
FIGURE_SCALE = 0.75         # stored figures are shown at about this fraction of their pixels
OUTPUT_LINES_SHOWN = 12     # long text outputs are cut off visually; count at most this many

_HEADING = re.compile(r"^(#{1,6})\s")
_ANSWER = re.compile(r"^(\*\*?Answer|<details)", re.IGNORECASE)


def first_line(source):
    return next((line.strip() for line in source.splitlines() if line.strip()), "")


def text_height(text):
    """Estimated height in px of lines of text (long lines wrap)."""
    lines = text.splitlines()
    return LINE * sum(max(1, math.ceil(len(line) / CHARS_PER_LINE)) if line.strip() else 0.5
                      for line in lines)


def png_height(data):
    """Pixel height of a base64 PNG (from its header), 0 if it cannot be read."""
    try:
        text = data if isinstance(data, str) else "".join(data)
        head = base64.b64decode("".join(text[:200].split())[:64])
        return struct.unpack(">I", head[20:24])[0] if head[1:4] == b"PNG" else 0
    except (ValueError, struct.error):
        return 0


def cell_height(cell):
    """Estimated height in px of a cell on a slide: its source and its stored outputs."""
    height = text_height(cell.source)
    if cell.source.count("$$") >= 2:                 # display math is taller than a text line
        height += LINE * cell.source.count("$$") // 2
    height += 200 * len(re.findall(r"!\[[^\]]*\]\(|<img\s", cell.source))
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            height += FIGURE_SCALE * png_height(data["image/png"])
        elif "image/svg+xml" in data:
            height += 300
        elif output.get("output_type") == "stream" or "text/plain" in data:
            text = output.get("text") or data.get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            text = "\n".join(line.rsplit("\r", 1)[-1] for line in text.splitlines())
            height += min(text_height(text), LINE * OUTPUT_LINES_SHOWN)
    return height


def slide_types(nb):
    """The slide type of each cell of a notebook (nbformat v4 object), by the rules above."""
    types, used = [], 0.0
    check_cells = set()
    for index, cell in enumerate(nb.cells):
        kind = None
        if cell.cell_type == "code":
            if "setup" in cell.metadata.get("tags", []) or index in check_cells:
                kind = "skip"
            elif _has_solution(cell.source):
                kind = "notes"
                following = nb.cells[index + 1] if index + 1 < len(nb.cells) else None
                if following is not None and following.cell_type == "code" \
                        and check_call(following.source) is not None:
                    check_cells.add(index + 1)
        if kind is None and (not cell.source.strip() or is_import_cell(cell)):
            kind = "skip"
        if kind is None and cell.cell_type == "markdown":
            head = first_line(cell.source)
            level = _HEADING.match(head)
            if level:
                kind = "slide" if len(level.group(1)) <= 2 else "subslide"
            elif _ANSWER.match(head):
                kind = "fragment"
        if kind is None:
            height = cell_height(cell)
            kind = "subslide" if used > 0 and used + height > SLIDE_HEIGHT else "-"
        if kind in ("slide", "subslide"):
            used = cell_height(cell)
        elif kind in ("-", "fragment"):
            used += cell_height(cell)
        types.append(kind)
    if types and types[0] not in ("slide", "skip"):
        types[0] = "slide"          # a deck starts with a slide
    return types


def _has_solution(source):
    try:
        return bool(parse_blocks(source, "cell"))
    except ValueError:              # malformed markers: still keep the solution off the screen
        return "SOLUTION" in source


def apply(nb):
    """Set metadata.slideshow.slide_type on every cell; return how many cells changed."""
    changed = 0
    for cell, kind in zip(nb.cells, slide_types(nb)):
        if cell.metadata.get("slideshow", {}).get("slide_type") != kind:
            cell.metadata.setdefault("slideshow", {})["slide_type"] = kind
            changed += 1
    return changed


def main(argv=None):
    import nbformat
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks (default: all of notebooks/NN_*.ipynb)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a notebook's slide metadata is out of date")
    args = parser.parse_args(argv)
    paths = args.notebooks or chapter_paths()
    if not paths:
        parser.error(f"no notebooks given and none found in {ROOT / 'notebooks'}")
    stale = []
    for path in paths:
        if not Path(path).is_file():
            parser.error(f"no such notebook: {path}")
        nb = nbformat.read(path, as_version=4)
        changed = apply(nb)
        counts = {k: 0 for k in SLIDE_TYPES}
        for cell in nb.cells:
            counts[cell.metadata["slideshow"]["slide_type"]] += 1
        summary = ", ".join(f"{n} {k if k != '-' else 'continuing'}" for k, n in counts.items() if n)
        if args.check:
            if changed:
                stale.append(path)
            print(f"{path}: {'OUT OF DATE, ' + str(changed) + ' cell(s) differ' if changed else 'up to date'}")
        elif changed:
            nbformat.write(nb, path)
            print(f"{path}: {changed} cell(s) updated ({summary})")
        else:
            print(f"{path}: already up to date ({summary})")
    if stale:
        print("run `python tools/slides.py` to update", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
