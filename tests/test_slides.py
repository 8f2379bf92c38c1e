"""tools/slides.py: every cell of every chapter carries slideshow metadata that follows the
headings, the tool is idempotent, and `jupyter nbconvert --to slides` builds each chapter, with
alternative text on every figure (tools/slides_alt.html.j2 and each figure cell's metadata "alt")."""
import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import slides  # noqa: E402
import student_edition as se  # noqa: E402

from test_student_edition import sample_notebook  # noqa: E402

CHAPTERS = se.chapter_paths()


def rule_violations(nb, name):
    """What is wrong with a notebook's slide metadata: missing, unknown, or against the rules
    that do not depend on estimated heights (headings, setup, exercises, checks)."""
    exercises = {ex.index: ex for ex in se.find_exercises(nb, name)}
    checks = {ex.check_index for ex in exercises.values()}
    problems = []
    for index, cell in enumerate(nb.cells):
        where = se.describe_cell(name, index, cell.source)
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        head = slides.first_line(cell.source) if cell.cell_type == "markdown" else ""
        if kind not in slides.SLIDE_TYPES:
            problems.append(f"{where}: slide_type {kind!r}; expected one of {slides.SLIDE_TYPES}")
            continue
        expected = ("skip" if "setup" in cell.metadata.get("tags", []) or index in checks else
                    "notes" if index in exercises else
                    "slide" if re.match(r"#{1,2}\s", head) else
                    "subslide" if re.match(r"#{3,6}\s", head) else None)
        if expected and kind != expected:
            problems.append(f"{where}: slide_type {kind!r}, expected {expected!r}")
    return problems


TEMPLATE = ROOT / "tools" / "slides_alt.html.j2"
NO_ALT = "No description has been provided for this image"     # what nbconvert fills in


def build_slides(path, out_dir, messages=None):
    """Run `jupyter nbconvert --to slides --template-file tools/slides_alt.html.j2` (the README's
    command) on a notebook; return the HTML. nbconvert's log lines are appended to `messages`."""
    result = subprocess.run([sys.executable, "-m", "nbconvert", "--to", "slides", f"--template-file={TEMPLATE}",
                             "--output-dir", str(out_dir), str(path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    html = out_dir / (Path(path).stem + ".slides.html")
    assert html.is_file(), f"nbconvert wrote no {html.name}: {result.stderr[-2000:]}"
    if messages is not None:
        messages.extend(result.stderr.splitlines())
    return html.read_text(encoding="utf-8")


def image_alts(html):
    """The alt attribute of every <img> of a page, in order (None where there is none)."""
    from bs4 import BeautifulSoup          # installed with nbconvert
    return [img.get("alt") for img in BeautifulSoup(html, "html.parser").find_all("img")]


def figure_cells(nb):
    """(index, cell, number of image outputs) of every code cell that shows an image."""
    for index, cell in enumerate(nb.cells):
        n = sum(any(mime.startswith("image/") for mime in out.get("data", {})) for out in cell.get("outputs", []))
        if n:
            yield index, cell, n


# ------------------------------------------------------------------------------ the sample

def long_sample():
    nb = sample_notebook()
    nb.cells[4:4] = [
        new_markdown_cell("## The idea"),
        new_markdown_cell("Some text.\n\n" + "A long sentence that wraps. " * 12),
        new_markdown_cell("### A detail"),
        new_code_cell("fig = make_figure()\nfig", outputs=[new_output(
            "display_data", data={"image/png": _png(720, 405), "text/plain": "<Figure>"})]),
        new_code_cell("fig2", outputs=[new_output(
            "display_data", data={"image/png": _png(720, 600), "text/plain": "<Figure>"})]),
        new_markdown_cell("**Question.** Why?"),
        new_markdown_cell("**Answer.** Because."),
        new_code_cell(""),
    ]
    return nb


def _png(width, height):
    import base64
    import struct
    import zlib
    raw = b"".join(b"\x00" + b"\xff" * (3 * width) for _ in range(height))
    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.encodebytes(png).decode()


def test_slide_types_of_the_sample():
    nb = long_sample()
    assert slides.slide_types(nb) == [
        "slide",        # # A sample chapter
        "skip",         # setup
        "skip",         # imports
        "-",            # printed number
        "slide",        # ## The idea
        "-",            # text
        "subslide",     # ### A detail
        "-",            # a 405 px figure
        "subslide",     # a 600 px figure would run off the slide
        "-",            # the question
        "fragment",     # the answer, on the next click
        "skip",         # an empty cell
        "slide",        # ## Exercises
        "notes",        # the solution of `double`: presenter view only
        "skip",         # its check
        "-",            # **2.** ...
        "notes",        # Scale
        "skip",         # its check
    ]


def test_png_height_reads_the_header():
    assert slides.png_height(_png(30, 17)) == 17
    assert slides.png_height("not a png") == 0


def test_apply_is_idempotent_and_touches_only_slideshow_metadata():
    nb = long_sample()
    nb.cells[2].metadata["tags"] = ["keep-me"]
    before = copy.deepcopy(nb)
    assert slides.apply(nb) == len(nb.cells) - 1      # the setup cell already says "skip"
    once = json.dumps(nb, sort_keys=True)
    assert slides.apply(nb) == 0
    assert json.dumps(nb, sort_keys=True) == once
    for old, new in zip(before.cells, nb.cells):
        assert old.source == new.source and old.get("outputs") == new.get("outputs")
        rest = {k: v for k, v in new.metadata.items() if k != "slideshow"}
        assert rest == {k: v for k, v in old.metadata.items() if k != "slideshow"}
    assert rule_violations(nb, "sample.ipynb") == []


def test_command_line_check_and_update(tmp_path, capsys):
    path = tmp_path / "01_sample.ipynb"
    nbformat.write(long_sample(), path)
    assert slides.main([str(path), "--check"]) == 1
    assert "OUT OF DATE" in capsys.readouterr().out
    assert slides.main([str(path)]) == 0
    assert "cell(s) updated" in capsys.readouterr().out
    mtime = path.stat().st_mtime_ns
    assert slides.main([str(path)]) == 0 and path.stat().st_mtime_ns == mtime
    assert slides.main([str(path), "--check"]) == 0
    assert rule_violations(nbformat.read(path, as_version=4), path.name) == []


def test_the_sample_builds_into_reveal_slides(tmp_path):
    path = tmp_path / "01_sample.ipynb"
    nb = long_sample()
    slides.apply(nb)
    nbformat.write(nb, path)
    html = build_slides(path, tmp_path)
    assert "reveal" in html.lower()
    assert html.count("<section") >= 3
    assert "Answer" in html and 'class="fragment' in html
    assert '<aside class="notes">' in html


# ------------------------------------------------------------------------------ the chapters

@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_cell_carries_slide_metadata(path):
    problems = rule_violations(nbformat.read(path, as_version=4), se._display(path))
    assert not problems, ("run `python tools/slides.py` (slide metadata missing or stale):\n"
                          + "\n".join(problems[:20]))


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_builds_into_reveal_slides(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    slides.apply(nb)             # a copy, so the test does not depend on the tool having run
    copy_path = tmp_path / path.name
    nbformat.write(nb, copy_path)
    messages = []
    html = build_slides(copy_path, tmp_path, messages)
    assert "reveal" in html.lower()
    starts = sum(cell.metadata["slideshow"]["slide_type"] in ("slide", "subslide")
                 for cell in nb.cells)
    assert html.count("<section") >= starts, (
        f"{path.name}: {html.count('<section')} <section>s for {starts} slides and subslides")
    # Every figure reaches the deck with its description: no <img> without one, no warning.
    alts = image_alts(html)
    assert len(alts) == sum(n for _, _, n in figure_cells(nb)), f"{path.name}: {len(alts)} <img> in the slides"
    missing = [m for m in messages if "Alternative text is missing" in m]
    assert not missing and all(alt and alt != NO_ALT for alt in alts), (
        f"{path.name}: {sum(not alt or alt == NO_ALT for alt in alts)} figure(s) without alternative text "
        f"in the slides ({missing}); give each figure cell a metadata \"alt\" (see CONTRIBUTING.md)")


GENERIC_ALT = {"figure", "plot", "image", "chart", "graph", "picture"}


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_figure_cell_describes_its_figure(path):
    """The stored notebook, without exporting: each cell that shows a figure carries metadata
    "alt", a sentence saying what is plotted (not "figure"), and no two cells share one."""
    nb = nbformat.read(path, as_version=4)
    problems, seen = [], {}
    for index, cell, _ in figure_cells(nb):
        where = se.describe_cell(se._display(path), index, cell.source)
        alt = cell.metadata.get("alt")
        if not isinstance(alt, str) or not alt.strip():
            problems.append(f"{where}: no metadata \"alt\" (a short description of what the figure shows)")
        elif len(alt.split()) < 6 or alt.strip(" .").lower() in GENERIC_ALT:
            problems.append(f"{where}: alt {alt!r} is too short to say what is plotted")
        elif alt in seen:
            problems.append(f"{where}: same alt as {seen[alt]} (copied?): {alt!r}")
        else:
            seen[alt] = where
    assert not problems, "\n".join(problems)


def test_the_template_puts_each_figure_s_alt_text_on_its_img(tmp_path):
    png = _png(40, 30)
    nb = nbformat.v4.new_notebook(cells=[
        new_markdown_cell("# Figures"),
        new_code_cell("a", metadata={"alt": 'Cell text: train & test "accuracy" <by epoch>'},
                      outputs=[new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]),
        new_code_cell("b", metadata={"alt": "the cell's text, overridden"}, outputs=[new_output(
            "display_data", data={"image/png": png, "text/plain": "<Figure>"},
            metadata={"image/png": {"alt": "Output text: a histogram"}})]),
        new_code_cell("c", outputs=[new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]),
    ])
    slides.apply(nb)
    path = tmp_path / "01_sample.ipynb"
    nbformat.write(nb, path)
    messages = []
    alts = image_alts(build_slides(path, tmp_path, messages))
    assert alts == ['Cell text: train & test "accuracy" <by epoch>', "Output text: a histogram", NO_ALT]
    assert any("Alternative text is missing on 1 image" in m for m in messages), messages
