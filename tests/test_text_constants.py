"""The chapters' text never restates a number that the code defines with another value.

A sentence such as "the panel records test accuracy every 5 epochs" goes stale silently when the
library changes EVAL_EVERY to 8.  These tests read every notebook's markdown and compare:
  1. what the text says about the live panels (epochs, evaluation interval, test subset) with the
     constants in lib/panel.py, and what it says about chapter 4's search with lib/search.py;
  2. every "every N epochs" and "N epochs" with the values the notebook's own code passes
     (epochs=..., eval_every=...), the library's constants and the numbers its cells print.
"""
import inspect
import json
import re
from pathlib import Path

import pytest

from lib import panel, search

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def number(text):
    return int(text.replace(",", ""))


def cells(path, kind):
    return [("".join(c["source"]), c) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == kind]


def printed(cell):
    """The text a code cell printed (stream outputs and text/plain results)."""
    out = []
    for o in cell.get("outputs", []):
        out.append("".join(o.get("text", "")))
        out.append("".join(o.get("data", {}).get("text/plain", "")))
    return "\n".join(out)


def panel_sentences(path):
    """Sentences of markdown cells that describe a live panel (they mention 'panel')."""
    for text, _ in cells(path, "markdown"):
        if re.search(r"\bpanel\b", text, re.I):
            for sentence in re.split(r"(?<=[.!?])\s+|\n\n", text):
                yield sentence


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_panel_text_matches_the_panel_constants(path):
    """EPOCHS, EVAL_EVERY and N_TEST of lib/panel.py, as the chapters describe the panels."""
    wrong = []
    for s in panel_sentences(path):
        if not re.search(r"\bpanel", s, re.I):
            continue
        for m in re.finditer(r"every\s+(\d+)\s+epochs", s):
            if number(m.group(1)) != panel.EVAL_EVERY:
                wrong.append(f"{m.group(0)!r} but panel.EVAL_EVERY = {panel.EVAL_EVERY}: {s.strip()[:160]}")
        for m in re.finditer(r"(\d[\d,]*)[\s-](?:test\s+images|test-image)", s):
            if number(m.group(1)) not in (panel.N_TEST, 10_000):
                wrong.append(f"{m.group(0)!r} but panel.N_TEST = {panel.N_TEST}: {s.strip()[:160]}")
        for m in re.finditer(r"(?<!every )\b(\d[\d,]*)\s+epochs", s):
            if number(m.group(1)) != panel.EPOCHS and "panel" in s.lower() and "retrain" in s.lower():
                wrong.append(f"{m.group(0)!r} but panel.EPOCHS = {panel.EPOCHS}: {s.strip()[:160]}")
    assert not wrong, "\n".join(wrong)


def code_values(path, name):
    """Every value the notebook's code passes as `name=<int>`, or assigns to an upper-case name."""
    values = set()
    for text, _ in cells(path, "code"):
        values |= {number(v.replace("_", "")) for v in re.findall(rf"\b{name}\s*=\s*(\d[\d_]*)\b", text)}
    return values


def library_values():
    """Integers the library defines as module constants or keyword defaults (epochs, intervals)."""
    values = {panel.EPOCHS, panel.EVAL_EVERY, panel.N_TEST}
    for module in (search,):
        for _, fn in inspect.getmembers(module, inspect.isfunction):
            for p in inspect.signature(fn).parameters.values():
                if p.name in ("epochs", "eval_every") and isinstance(p.default, int):
                    values.add(p.default)
    return values


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_epoch_count_in_the_text_is_one_the_code_uses(path):
    """'every N epochs' / 'N epochs' in the text must be a value the code passes or prints."""
    outputs = "\n".join(printed(c) for _, c in cells(path, "code"))
    allowed_every = set().union(*(code_values(path, name) for name in ("eval_every", "every", "EVAL_EVERY", "EVERY")))
    allowed_every.add(panel.EVAL_EVERY)
    allowed_epochs = (code_values(path, "epochs") | code_values(path, "EPOCHS") | code_values(path, "patience")
                      | library_values())
    wrong = []
    for text, _ in cells(path, "markdown"):
        for m in re.finditer(r"every\s+(\d+)\s+epochs", text):
            if number(m.group(1)) not in allowed_every:
                wrong.append(f"{m.group(0)!r}: the code evaluates every {sorted(allowed_every)} epochs")
        for m in re.finditer(r"(?<!every )(?<![\d,.])(\d[\d,]*)\s+epochs", text):
            n = number(m.group(1))
            if n not in allowed_epochs and not re.search(rf"\b{n}\b", outputs):
                wrong.append(f"{m.group(0)!r}: no cell passes epochs={n} or prints {n}")
    assert not wrong, f"{path.name}:\n" + "\n".join(wrong)


def test_chapter4_quotes_chapter2s_choice_at_the_plateau():
    """Chapter 4 (section 9) compares its strengths with chapter 2's choice at the plateau learning
    rate; the values it writes in code (CH2_LR, CH2_STEPS, CH2_L2, CH2_L1) must be what chapter 2's
    checked cells print, so that they cannot go stale silently."""
    import ast
    ch2 = "\n".join(printed(c) for text, c in cells(ROOT / "notebooks" / "02_l1_l2_penalties.ipynb", "code")
                    if text.startswith("# NBVAL_CHECK_OUTPUT"))
    run = re.search(r"η = ([\d.]+), (\d+) steps, seeds", ch2)
    best = re.search(r"best on validation at the plateau: L2 λ = ([\d.e-]+), L1 λ = ([\d.e-]+)", ch2)
    assert run and best, "chapter 2 no longer prints its plateau run and choice in the expected form"
    src = next(text for text, _ in cells(ROOT / "notebooks" / "04_choosing_regularizers.ipynb", "code")
               if "CH2_LR, CH2_STEPS, CH2_L2, CH2_L1 =" in text)
    quoted = ast.literal_eval(re.search(r"CH2_LR, CH2_STEPS, CH2_L2, CH2_L1 = ([^#\n]+)", src).group(1).strip())
    assert quoted == (float(run.group(1)), int(run.group(2)), float(best.group(1)), float(best.group(2))), (
        f"chapter 4 quotes chapter 2 as {quoted}; chapter 2 prints lr {run.group(1)}, {run.group(2)} steps, "
        f"L2 λ = {best.group(1)}, L1 λ = {best.group(2)}")
