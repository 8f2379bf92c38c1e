"""The live panels without a browser: set controls from Python and check what was trained and shown.

Most tests use a few epochs for speed; test_real_defaults runs the panel as a notebook does.
"""
import base64
import gc
import json
import re
import struct
import threading
import time
import tracemalloc
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest

import lib.panel as panel_module
from lib.layers import Dropout
from lib.net import MultiLayerNet
from lib.panel import Curves, LivePanel, dropout_panel, gap_view, overfitting_panel, penalty_panel
from lib.polyfit import polyfit_panel
from lib.train import History, TrainingDiverged

EPOCHS = 10
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PANEL_CALL = re.compile(r"^\w+_panel\(", re.M)     # a cell line that builds a panel (as test_browser.py)


def png_size(data):
    """(width, height) from a PNG's header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def shown_setting(panel):
    """The finished setting whose picture is on screen ({name: value, "seeds": n}), or None."""
    for (key, n), (png, _) in panel.pictures.items():
        if png == panel.image.value:
            return {**dict(key), "seeds": n}
    return None


def shows(panel, **expected):
    """Does the picture on screen belong to a setting with these values?"""
    setting = shown_setting(panel) or {}
    return all(setting.get(name) == value for name, value in expected.items())


def wait_until_idle(panel, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        time.sleep(0.05)
        if not panel._busy and panel.state != "busy":
            return
    raise AssertionError(f"the panel was still busy after {timeout} s: {panel.status.value}")


def test_set_trains_exactly_those_values(trained):
    panel = penalty_panel(epochs=EPOCHS)
    before = panel.image.value
    panel.set(penalty="L2", lam=0.1)
    # The chosen setting is trained first (live), then the faint reference (no penalty).
    assert [r["settings"] for r in panel.runs] == [{"penalty": "L2", "lam": 0.1}, {"penalty": "none", "lam": 0.0}]
    assert all(r["outcome"] == "done" and r["epochs"] == EPOCHS and r["seed"] == 0 for r in panel.runs)
    net = trained[0]["net"]
    assert net.weight_decay_lambda == 0.1 and net.l1_lambda == 0.0 and net.hidden_size_list == [100] * 6
    assert trained[0]["n_train"] == 300 and trained[0]["n_test"] == 2000
    assert trained[0]["epochs"] == EPOCHS and trained[0]["eval_every"] == panel_module.EVAL_EVERY
    assert trained[0]["lr"] == 0.01 and trained[0]["seed"] == 0
    assert panel.image.value != before and png_size(panel.image.value)[0] > 500
    assert shown_setting(panel) == {"penalty": "L2", "lam": 0.1, "seeds": 1}
    assert panel.state == "ready" and "L2, λ = 0.1" in panel.status.value and "trained in" in panel.status.value
    assert panel.settings() == {"penalty": "L2", "lam": 0.1, "seeds": 1}


def test_l1_is_proximal_and_makes_exact_zeros(trained):
    panel = penalty_panel(epochs=EPOCHS, penalty="L1", lam=0.01)
    panel.refresh()
    net, plain = trained[0]["net"], trained[1]["net"]
    assert net.l1_lambda == 0.01 and net.weight_decay_lambda == 0.0 and net.l1_method == "proximal"
    # Soft thresholding puts weights exactly at 0; plain training (the reference) never does.
    assert np.mean(net.weights() == 0) > 0.01 and np.mean(plain.weights() == 0) == 0


def test_each_factory_builds_the_network_of_its_controls(trained):
    panel = overfitting_panel(epochs=3)
    panel.set(n_train=1000, width=50, depth=2)
    assert trained[0]["n_train"] == 1000 and trained[0]["net"].hidden_size_list == [50, 50]
    assert trained[0]["lr"] == 0.1                   # the default schedule: to the plateau
    assert "1000 images, 2×50 net" in panel.status.value and panel.state == "ready"

    panel = dropout_panel(epochs=3)
    panel.set(dropout_ratio=0.3)
    net = trained[-2]["net"]
    assert net.dropout_ratio == 0.3 and sum(isinstance(layer, Dropout) for layer in net.layers) == 6
    assert all(layer.mode == "inverted" for layer in net.layers if isinstance(layer, Dropout))
    assert shows(panel, dropout_ratio=0.3, mode="inverted", schedule="plateau", seeds=1)


def test_the_schedule_control_sets_the_learning_rate_and_the_picture_says_it(trained):
    panel = dropout_panel(epochs=3, dropout_ratio=0.2)
    panel.refresh()
    assert [c["lr"] for c in trained] == [0.1, 0.1]   # setting and reference, to the plateau
    assert "lr 0.1" in panel._title.get_text()
    panel.set(schedule="book")
    # The same steps at the book's learning rate, for the setting and for its reference.
    assert [c["lr"] for c in trained[2:]] == [0.01, 0.01] and all(c["epochs"] == 3 for c in trained)
    assert [r["settings"]["schedule"] for r in panel.runs[2:]] == ["book", "book"]
    assert "the book's schedule (lr 0.01)" in panel._title.get_text()
    assert "lr 0.01" in panel.status.value and shows(panel, schedule="book")


def test_the_dropout_mode_toggle_trains_the_other_mode(trained):
    panel = dropout_panel(epochs=3, dropout_ratio=0.2)
    panel.refresh()
    panel.set(mode="book")
    net = trained[-1]["net"]            # the reference (no dropout) is cached: only the book's mode trains
    assert len(trained) == 3 and all(layer.mode == "book" for layer in net.layers if isinstance(layer, Dropout))
    assert "(the book's)" in panel.status.value and shows(panel, mode="book")
    assert panel.image.value != panel.pictures[(panel._key({"dropout_ratio": 0.2, "mode": "inverted",
                                                              "schedule": "plateau"}), 1)][0]


def test_three_seeds_train_one_after_another_and_show_mean_and_spread(trained):
    panel = dropout_panel(epochs=EPOCHS, dropout_ratio=0.2)
    panel.refresh()                                   # seed 0 of the setting and of the reference
    pictures = []
    panel.image.observe(lambda change: pictures.append(change["new"]), names="value")
    panel.set(seeds=3)
    # Seed 0 is reused; seeds 1 and 2 train, first the setting's, then the reference's.
    assert [(r["settings"]["dropout_ratio"], r["seed"]) for r in panel.runs[2:]] == [(0.2, 1), (0.2, 2), (0.0, 1), (0.0, 2)]
    assert [c["seed"] for c in trained[2:]] == [1, 2, 1, 2]          # the batch order ...
    first_weights = [c["net"].params["W1"] for c in trained[:1] + trained[2:4]]
    assert not np.allclose(first_weights[0], first_weights[1])         # ... and the initial weights differ
    assert pictures[-1] == panel.image.value and shows(panel, dropout_ratio=0.2, seeds=3)
    assert "3 seeds" in panel.status.value and "±" in panel.status.value
    assert "3 seeds" in panel._title.get_text() and "±" in panel._result.get_text()
    runs = [panel.cache[(panel._key({"dropout_ratio": 0.2, "mode": "inverted", "schedule": "plateau"}), s)] for s in range(3)]
    tests = [run.history.test_acc[-1] for run in runs]
    assert f"test {np.mean(tests):.3f} ± {np.std(tests, ddof=1):.3f}" in panel.status.value
    n_runs = len(trained)
    panel.set(seeds=1)                                # back to one seed: from the cache
    assert len(trained) == n_runs and "from the cache" in panel.status.value and "±" not in panel.status.value


def test_precompute_fills_several_seeds(trained):
    panel = penalty_panel(epochs=3)
    panel.precompute(penalty=["L2"], lam=[0.1], seeds=[3])
    assert len(trained) == 6                          # 3 seeds of L2 0.1 and 3 of the reference
    n_runs = len(trained)
    panel.set(penalty="L2", lam=0.1, seeds=3)
    assert len(trained) == n_runs and "from the cache" in panel.status.value


def test_curves_average_over_seeds_and_count_a_run_in_progress():
    def history(values):
        h = History()
        h.epoch, h.train_acc, h.test_acc = [1, 8, 16][:len(values)], [1.0] * len(values), list(values)
        return h
    curves = Curves([history([0.1, 0.5, 0.7]), history([0.3, 0.7, 0.9]), history([0.2])])
    assert list(curves.epoch) == [1, 8, 16] and curves.n_runs == 3
    assert np.allclose(curves.mean["test_acc"], [0.2, 0.6, 0.8])
    assert np.allclose(curves.sd["test_acc"], [0.1, np.sqrt(0.02), np.sqrt(0.02)])
    assert np.allclose(curves.mean["gap"], [0.8, 0.4, 0.2])
    assert Curves([history([0.5])]).final("test_acc") == "0.500"       # one run: no ±
    assert len(Curves([])) == 0 and Curves([]).result() == ""


def test_a_slider_move_trains_and_the_status_acknowledges_first(trained):
    panel = dropout_panel(epochs=EPOCHS)
    panel.refresh()                                   # the reference
    events = []
    panel.status.observe(lambda change: events.append(("status", change["new"])), names="value")
    panel.image.observe(lambda change: events.append(("image", None)), names="value")
    panel.controls["dropout_ratio"].value = 0.2       # what releasing the slider does
    assert events[0][0] == "status" and "Training dropout 0.2 (inverted)" in events[0][1]
    assert events[-1][0] == "status" and "dropout 0.2 (inverted), to the plateau (lr 0.1), 1 seed: train" in events[-1][1]
    assert ("image", None) in events and trained[-1]["net"].dropout_ratio == 0.2


def test_going_back_is_served_from_the_cache(trained):
    panel = penalty_panel(epochs=EPOCHS)
    panel.set(penalty="L2", lam=0.01)
    picture = panel.image.value
    panel.set(penalty="L1", lam=0.001)
    n_runs = len(trained)
    panel.set(penalty="L2", lam=0.01)
    assert len(trained) == n_runs, "a cached setting must not train again"
    assert panel.image.value == picture
    assert panel.status.value.endswith("(from the cache)")


def test_equivalent_settings_share_one_run(trained):
    panel = penalty_panel(epochs=EPOCHS)
    panel.refresh()
    panel.set(penalty="L2", lam=0.0)                 # lambda 0 is no penalty
    panel.set(penalty="none", lam=0.3)               # no penalty ignores lambda
    assert len(trained) == 1 and "no penalty" in panel.status.value
    panel = dropout_panel(epochs=3)
    panel.refresh()
    panel.set(mode="book")                           # without dropout the mode changes nothing
    assert len(trained) == 2 and "from the cache" in panel.status.value


def test_controls_that_do_not_apply_are_greyed_out_and_the_status_says_why(trained):
    panel = penalty_panel(epochs=3)
    assert panel.controls["lam"].disabled and not panel.controls["penalty"].disabled
    panel.refresh()
    assert "λ does not apply without a penalty" in panel.status.value
    panel.set(penalty="L2")
    assert not panel.controls["lam"].disabled and "does not apply" not in panel.status.value
    panel.set(penalty="none")
    assert panel.controls["lam"].disabled and "does not apply" in panel.status.value

    panel = dropout_panel(epochs=3)
    assert panel.controls["mode"].disabled
    panel.set(dropout_ratio=0.1)
    assert not panel.controls["mode"].disabled and not panel.controls["seeds"].disabled


def test_an_exception_is_shown_in_red():
    """A custom panel (as a notebook could make): a learning-rate control; lr 1000 diverges."""
    lr = widgets.SelectionSlider(options=[0.01, 1000.0], value=0.01, description="lr")
    panel = LivePanel({"lr": lr}, lambda s, seed: (MultiLayerNet(784, [100] * 6, 10, seed=seed), {"lr": s["lr"]}),
                      gap_view, reference={"lr": 0.01}, epochs=EPOCHS, name="custom")
    panel.refresh()
    good_picture = panel.image.value
    panel.set(lr=1000.0)
    assert isinstance(panel.last_error, TrainingDiverged) and panel.state == "error"
    assert 'color:#c00' in panel.status.value and "TrainingDiverged" in panel.status.value
    assert "smaller learning rate" in panel.status.value
    assert panel.runs[-1]["outcome"] == "failed"
    assert panel.image.value != good_picture, "the curves of the previous setting must not stay on screen"
    panel.set(lr=0.01)                               # back to a good setting: from the cache, no error shown
    assert panel.state == "ready" and panel.image.value == good_picture
    panel.precompute([{"lr": 1000.0}, {"lr": 0.01}])  # a failure in a precompute is reported too
    assert "0 trained, 1 cached, 1 failed" in panel.status.value and 'color:#c00' in panel.status.value


def test_an_error_in_build_is_shown():
    choice = widgets.ToggleButtons(options=["ok", "broken"], value="ok")
    panel = LivePanel({"choice": choice},
                      lambda s, seed: MultiLayerNet(784, [100] * 6 if s["choice"] == "ok" else [0], 10),
                      gap_view, reference={"choice": "ok"}, epochs=2, seeds=None, name="custom")
    panel.set(choice="broken")
    assert isinstance(panel.last_error, ValueError) and "hidden_size_list" in panel.status.value
    assert 'color:#c00' in panel.status.value and "seeds" not in panel.controls


def test_controls_moved_during_training_end_on_the_final_setting(trained):
    """Another thread moves the slider while a run trains (as with ipykernel 7 subshells): the stale
    run stops and the panel ends showing the final setting."""
    panel = dropout_panel(epochs=60)
    panel.refresh()
    mover = threading.Timer(0.15, lambda: setattr(panel.controls["dropout_ratio"], "value", 0.5))
    mover.start()
    panel.set(dropout_ratio=0.2)                      # trains until the mover makes it stale
    mover.join()
    wait_until_idle(panel)
    assert any(r["outcome"] == "stale" and r["settings"]["dropout_ratio"] == 0.2 for r in panel.runs)
    assert shows(panel, dropout_ratio=0.5) and panel.settings()["dropout_ratio"] == 0.5
    assert panel.state == "ready" and "dropout 0.5" in panel.status.value


def test_rapid_changes_in_background_mode_end_on_the_final_setting(trained):
    panel = dropout_panel(epochs=40, background=True)
    for ratio in (0.1, 0.2, 0.3, 0.4, 0.6):
        panel.controls["dropout_ratio"].value = ratio
        time.sleep(0.03)
    wait_until_idle(panel)
    assert shows(panel, dropout_ratio=0.6)
    assert panel.state == "ready" and "dropout 0.6" in panel.status.value
    assert any(r["outcome"] == "stale" for r in panel.runs), "runs of old slider values should stop early"
    assert sum(r["outcome"] == "done" for r in panel.runs) < 6


def test_rapid_set_calls_in_callback_mode_end_on_the_final_setting(trained):
    panel = dropout_panel(epochs=5, schedule="book")     # at lr 0.1, inverted dropout 0.8 diverges
    for ratio in (0.1, 0.7, 0.3, 0.8):
        panel.set(dropout_ratio=ratio)
    assert shows(panel, dropout_ratio=0.8) and trained[-1]["net"].dropout_ratio == 0.8


def test_precompute_then_flip_through_instantly(trained):
    panel = penalty_panel(epochs=EPOCHS)
    panel.precompute(penalty=["L1", "L2"], lam=[0.001, 0.1])
    panel.precompute([{"penalty": "L2", "lam": 0.01}])
    assert len(trained) == 6                          # 4 grid points, the reference, 1 from the list
    assert "Precomputed 1 setting(s) in" in panel.status.value
    assert "1 trained, 0 cached, 0 failed" in panel.status.value
    for penalty in ("L1", "L2"):
        for lam in (0.001, 0.01, 0.1):
            panel.set(penalty=penalty, lam=lam)
            assert shows(panel, penalty=penalty, lam=lam)
    assert len(trained) == 7                          # only L1 0.01 was not precomputed
    with pytest.raises(ValueError, match="lam=0.05 is not on the control"):
        panel.precompute(lam=[0.05])
    with pytest.raises(TypeError, match="list of settings"):
        panel.precompute({"lam": 0.1})


def test_export_png_and_the_button(tmp_path, monkeypatch):
    panel = penalty_panel(epochs=EPOCHS, penalty="L2", lam=0.1)
    with pytest.raises(RuntimeError, match="not finished"):
        panel.export_png(tmp_path / "early.png")
    panel.refresh()
    path = panel.export_png(tmp_path / "slide.png", dpi=150)
    assert png_size(path.read_bytes()) == (1350, 510)   # 9 x 3.4 inches at 150 dpi
    assert str(path) in panel.status.value
    assert panel.export_png(path, dpi=100) == path and png_size(path.read_bytes())[0] == 900   # its own PNG
    monkeypatch.chdir(tmp_path)
    panel.export_button.click()
    saved = tmp_path / "penalty_lam-0.1_penalty-L2_1seeds_10epochs.png"
    assert saved.exists() and png_size(saved.read_bytes())[0] == 1350
    assert str(saved) in panel.status.value
    panel.set(lam=0.3)                                # the live picture still works after an export
    assert shows(panel, penalty="L2", lam=0.3)


def test_export_png_never_overwrites_other_files(tmp_path):
    panel = penalty_panel(epochs=3)
    panel.refresh()
    notebook = tmp_path / "01_overfitting.ipynb"
    notebook.write_text("{}")
    with pytest.raises(ValueError, match="PNG files only.*ending in .png"):
        panel.export_png(notebook)
    other = tmp_path / "photo.png"                    # a PNG, but not one a panel saved
    other.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(FileExistsError, match="was not saved by a panel"):
        panel.export_png(other)
    assert notebook.read_text() == "{}" and other.read_bytes().endswith(b"\0" * 100)
    panel.export_button.click()                       # the button reports the refusal in the status line
    assert panel.state in ("ready", "error")


def test_bad_input_gets_a_clear_error():
    panel = penalty_panel(epochs=EPOCHS)
    with pytest.raises(ValueError, match=r"lam=0.05 is not on the control; allowed: \[0.0, 0.0001"):
        panel.set(lam=0.05)
    with pytest.raises(ValueError, match="unknown \\['weight_decay'\\]"):
        panel.set(weight_decay=0.1)
    with pytest.raises(ValueError, match="'L3' is not on the control"):
        penalty_panel(penalty="L3")
    with pytest.raises(ValueError, match="seeds=2 is not on the control; allowed: \\[1, 3\\]"):
        penalty_panel(seeds=2)
    with pytest.raises(ValueError, match="unknown \\['learning_rate'\\]"):
        LivePanel({"lr": widgets.IntSlider(value=1, min=1, max=5)}, lambda s, seed: None, gap_view,
                  reference={"learning_rate": 1}, name="custom")
    with pytest.raises(ValueError, match="outside \\[1, 5\\]"):
        LivePanel({"lr": widgets.IntSlider(value=1, min=1, max=5)}, lambda s, seed: None, gap_view,
                  reference={"lr": 9}, name="custom")


def test_displaying_the_panel_shows_the_widget_and_a_still_picture(trained, monkeypatch):
    """The output carries the live widget view and a PNG of the trained picture (for GitHub,
    nbviewer, HTML, slides); the PNG is replaced once the setting has trained."""
    import IPython.display
    shown = []

    class Handle:
        def update(self, data, raw):
            shown.append(data)

    def fake_display(data, raw=False, display_id=None):
        assert raw and display_id
        shown.append(data)
        return Handle()

    monkeypatch.setattr(IPython.display, "display", fake_display)
    panel = dropout_panel(epochs=EPOCHS)
    panel._ipython_display_()
    assert panel.state == "ready" and "no dropout" in panel.status.value and len(trained) == 1
    assert len(shown) == 2
    for data in shown:
        assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
        assert data["text/plain"].startswith("Live panel (dropout)")
    first, final = (base64.b64decode(data["image/png"]) for data in shown)
    assert png_size(first) == png_size(final) == png_size(panel.image.value) and first != final

    shown.clear()
    polyfit_panel()._ipython_display_()                # the polynomial panel of chapter 1, too
    assert "image/png" in shown[0] and "application/vnd.jupyter.widget-view+json" in shown[0]


def test_recreating_a_panel_frees_the_old_one():
    """Re-running a cell that makes a panel closes the previous panel of that name: its widgets,
    observers, cache and figure go, and memory does not grow with every re-run."""
    def make():
        panel = penalty_panel(epochs=3)
        panel.precompute(penalty=["L2"], lam=[0.01, 0.1])
        return panel

    first = make()
    assert first.cache and first.cache[next(iter(first.cache))].net is None     # nets are not kept
    tracemalloc.start()
    traced, rss = [], []
    try:
        for _ in range(10):
            panel = make()
            gc.collect()
            traced.append(tracemalloc.get_traced_memory()[0])
            rss.append(int(Path("/proc/self/statm").read_text().split()[1]) * 4096 if Path("/proc/self/statm").exists() else 0)
    finally:
        tracemalloc.stop()
    assert first.closed and not first.cache and not first.pictures and first.widget.comm is None
    assert all(control.comm is None for control in first.controls.values())
    with pytest.raises(RuntimeError, match="closed"):
        first.refresh()
    n_runs = len(first.runs)
    first.controls["lam"].value = 0.3                  # its observers are gone: nothing happens
    assert len(first.runs) == n_runs and not panel.closed
    growth = traced[-1] - traced[2]
    print(f"10 re-creations: traced memory {[round(t / 2**20, 1) for t in traced]} MiB; "
          f"RSS {[round(r / 2**20) for r in rss]} MiB")
    assert growth < 2 * 2**20, f"traced memory grew by {growth / 2**20:.1f} MiB over 7 re-creations"
    panel.close()
    assert panel_module._OPEN.get("penalty") is None


def test_a_panel_started_elsewhere_replaces_the_one_of_its_own_name():
    """With start values (penalty_panel(penalty="L2", lam=0.1)) the panel is still registered under
    its own name: re-creating it frees the old one, and closing a closed panel does nothing."""
    first = penalty_panel(epochs=3, penalty="L2", lam=0.1)
    second = penalty_panel(epochs=3, penalty="L2", lam=0.1)
    assert first.closed and not second.closed and panel_module._OPEN.get("penalty") is second
    assert "lam" not in panel_module._OPEN
    first.close()                                       # again: nothing happens
    second.close()
    assert panel_module._OPEN.get("penalty") is None


def test_widget_text_has_no_emoji_or_symbols_that_fonts_lack(trained):
    """Status lines, labels and tooltips use plain text (and CSS): no emoji, no dingbats."""
    panel = penalty_panel(epochs=3)
    texts = []
    panel.status.observe(lambda change: texts.append(change["new"]), names="value")
    panel.refresh()
    panel.set(penalty="L1", lam=0.01, seeds=3)
    panel.set(lam=1.0)
    panel.precompute([{"lam": 0.1}])
    for widget in panel._widgets:
        for name in ("description", "tooltip", "value"):
            value = getattr(widget, name, None)
            texts += [value] if isinstance(value, str) else []
        texts += [str(label) for label in getattr(widget, "_options_labels", ())]
        texts += list(getattr(widget, "tooltips", ()) or ())
    odd = sorted({c for text in texts for c in text if ord(c) >= 0x2000})
    assert not odd, f"characters that many fonts lack: {odd}"


def test_real_defaults(trained):
    """The panel as a notebook shows it: 200 epochs, 300 images, 2,000 test images, partial pictures."""
    panel = dropout_panel()
    pictures = []
    panel.image.observe(lambda change: pictures.append(change["new"]), names="value")
    start = time.perf_counter()
    panel.refresh()
    seconds = time.perf_counter() - start
    setting, n = panel._split(panel.settings())
    run = panel.cache[(panel._key(setting), 0)]
    assert setting == {"dropout_ratio": 0.0, "mode": "inverted", "schedule": "plateau"} and n == 1
    assert trained[-1]["epochs"] == 200 and trained[-1]["n_train"] == 300 and trained[-1]["n_test"] == 2000
    assert run.history.epoch[:3] == [1, panel_module.EVAL_EVERY, 2 * panel_module.EVAL_EVERY] and run.history.epoch[-1] == 200
    assert len(pictures) >= 2 + 1 and pictures[-1] == panel.pictures[(panel._key(setting), 1)][0]
    h = run.history
    assert h.train_acc[-1] == 1.0 and h.train_acc[-1] - h.test_acc[-1] > 0.1   # memorized, and a gap
    print(f"200 epochs in the panel: {seconds:.2f} s, {len(pictures)} pictures")


def panel_cells():
    """(notebook name, cell index) of every code cell of the chapters that builds a panel."""
    found = []
    for path in sorted(NOTEBOOKS.glob("[0-9]*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        found += [(path.name, i) for i, cell in enumerate(nb["cells"])
                  if cell["cell_type"] == "code" and PANEL_CALL.search("".join(cell["source"]))]
    return found


def stored_outputs_carry_a_still_picture(cell):
    bundles = [o.get("data", {}) for o in cell.get("outputs", []) if o["output_type"] in ("display_data", "execute_result")]
    return any("image/png" in b and "application/vnd.jupyter.widget-view+json" in b for b in bundles)


@pytest.mark.parametrize("name, index", panel_cells(), ids=[f"{n[:2]}-cell{i}" for n, i in panel_cells()])
def test_stored_panel_outputs_carry_a_still_picture(name, index):
    """Where widgets cannot run (GitHub, nbviewer, HTML, slides) the stored output of a panel cell
    shows a PNG of the panel's picture, not the text VBox(children=...)."""
    cell = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"][index]
    assert stored_outputs_carry_a_still_picture(cell), (
        f"{name}, cell {index}: the stored panel output has no image/png beside the widget view; "
        f"re-execute the notebook with the current lib/panel.py")
