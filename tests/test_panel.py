"""The live panels without a browser: set controls from Python and check what was trained and shown.

Most tests use a few epochs for speed; test_real_defaults runs the panel as a notebook does.
"""
import struct
import threading
import time

import ipywidgets as widgets
import numpy as np
import pytest

import lib.panel as panel_module
from lib.layers import Dropout
from lib.net import MultiLayerNet
from lib.panel import LivePanel, dropout_panel, gap_view, overfitting_panel, penalty_panel
from lib.train import TrainingDiverged

EPOCHS = 10


@pytest.fixture
def trained(monkeypatch):
    """A list that records the arguments of every train() call the panels make."""
    calls = []
    real_train = panel_module.train

    def spy(net, x, t, x_test, t_test, **kwargs):
        calls.append({"net": net, "n_train": len(x), "n_test": len(x_test), **kwargs})
        return real_train(net, x, t, x_test, t_test, **kwargs)

    monkeypatch.setattr(panel_module, "train", spy)
    return calls


def png_size(data):
    """(width, height) from a PNG's header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def shown_setting(panel):
    """The cached run whose picture is on screen, or None."""
    return next((run.settings for run in panel.cache.values() if run.png == panel.image.value), None)


def wait_until_idle(panel, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        time.sleep(0.05)
        if not panel._busy and not panel.status.value.startswith("⏳"):
            return
    raise AssertionError(f"the panel was still busy after {timeout} s: {panel.status.value}")


def test_set_trains_exactly_those_values(trained):
    panel = penalty_panel(epochs=EPOCHS)
    before = panel.image.value
    panel.set(penalty="L2", lam=0.1)
    # The reference (no penalty) is trained first, then the chosen setting.
    assert [r["settings"] for r in panel.runs] == [{"penalty": "none", "lam": 0.0}, {"penalty": "L2", "lam": 0.1}]
    assert all(r["outcome"] == "done" and r["epochs"] == EPOCHS for r in panel.runs)
    net = trained[-1]["net"]
    assert net.weight_decay_lambda == 0.1 and net.l1_lambda == 0.0 and net.hidden_size_list == [100] * 6
    assert trained[-1]["n_train"] == 300 and trained[-1]["n_test"] == 2000
    assert trained[-1]["epochs"] == EPOCHS and trained[-1]["eval_every"] == panel_module.EVAL_EVERY and trained[-1]["lr"] == 0.01
    assert panel.image.value != before and png_size(panel.image.value)[0] > 500
    assert shown_setting(panel) == {"penalty": "L2", "lam": 0.1}
    assert panel.status.value.startswith("✅ L2, λ = 0.1: train ") and "trained in" in panel.status.value
    assert panel.settings() == {"penalty": "L2", "lam": 0.1}


def test_l1_is_proximal_and_makes_exact_zeros(trained):
    panel = penalty_panel(epochs=EPOCHS, penalty="L1", lam=0.01)
    panel.refresh()
    net = trained[-1]["net"]
    assert net.l1_lambda == 0.01 and net.weight_decay_lambda == 0.0 and net.l1_method == "proximal"
    # Soft thresholding puts weights exactly at 0; plain training (the reference) never does.
    assert np.mean(net.weights() == 0) > 0.01 and np.mean(trained[0]["net"].weights() == 0) == 0


def test_each_factory_builds_the_network_of_its_controls(trained):
    panel = overfitting_panel(epochs=3)
    panel.set(n_train=1000, width=50, depth=2)
    assert trained[-1]["n_train"] == 1000 and trained[-1]["net"].hidden_size_list == [50, 50]
    assert panel.status.value.startswith("✅ 1000 images, 2×50 net")

    panel = dropout_panel(epochs=3)
    panel.set(dropout_ratio=0.3)
    net = trained[-1]["net"]
    assert net.dropout_ratio == 0.3 and sum(isinstance(layer, Dropout) for layer in net.layers) == 6
    assert shown_setting(panel) == {"dropout_ratio": 0.3}


def test_a_slider_move_trains_and_the_status_acknowledges_first(trained):
    panel = dropout_panel(epochs=EPOCHS)
    panel.refresh()                                   # the reference
    events = []
    panel.status.observe(lambda change: events.append(("status", change["new"])), names="value")
    panel.image.observe(lambda change: events.append(("image", None)), names="value")
    panel.controls["dropout_ratio"].value = 0.2       # what releasing the slider does
    assert events[0] == ("status", "⏳ Training dropout 0.2 ...")
    assert events[-1][0] == "status" and events[-1][1].startswith("✅ dropout 0.2:")
    assert ("image", None) in events and trained[-1]["net"].dropout_ratio == 0.2


def test_going_back_is_served_from_the_cache(trained):
    panel = penalty_panel(epochs=EPOCHS)
    panel.set(penalty="L2", lam=0.01)
    picture = panel.image.value
    panel.set(penalty="L1", lam=0.001)
    n_runs = len(trained)
    start = time.perf_counter()
    panel.set(penalty="L2", lam=0.01)
    seconds = time.perf_counter() - start
    assert len(trained) == n_runs, "a cached setting must not train again"
    assert seconds < 0.15, f"a cached setting took {seconds:.3f} s"
    assert panel.image.value == picture
    assert panel.status.value.endswith("(from the cache)")


def test_equivalent_settings_share_one_run(trained):
    panel = penalty_panel(epochs=EPOCHS)
    panel.refresh()
    panel.set(penalty="L2", lam=0.0)                 # lambda 0 is no penalty
    panel.set(penalty="none", lam=0.3)               # no penalty ignores lambda
    assert len(trained) == 1 and panel.status.value.startswith("✅ no penalty")


def test_an_exception_is_shown_in_red():
    """A custom panel (as a notebook could make): a learning-rate control; lr 1000 diverges."""
    lr = widgets.SelectionSlider(options=[0.01, 1000.0], value=0.01, description="lr")
    panel = LivePanel({"lr": lr}, lambda s: (MultiLayerNet(784, [100] * 6, 10, seed=0), {"lr": s["lr"]}),
                      gap_view, reference={"lr": 0.01}, epochs=EPOCHS)
    panel.refresh()
    good_picture = panel.image.value
    panel.set(lr=1000.0)
    assert isinstance(panel.last_error, TrainingDiverged)
    assert 'color:#c00' in panel.status.value and "TrainingDiverged" in panel.status.value
    assert "smaller learning rate" in panel.status.value
    assert panel.runs[-1]["outcome"] == "failed"
    assert panel.image.value != good_picture, "the curves of the previous setting must not stay on screen"
    panel.set(lr=0.01)                               # back to a good setting: from the cache, no error shown
    assert panel.status.value.startswith("✅") and panel.image.value == good_picture
    panel.precompute([{"lr": 1000.0}, {"lr": 0.01}])  # a failure in a precompute is reported too
    assert "0 trained, 1 cached, 1 failed" in panel.status.value and 'color:#c00' in panel.status.value


def test_an_error_in_build_is_shown():
    choice = widgets.ToggleButtons(options=["ok", "broken"], value="ok")
    panel = LivePanel({"choice": choice},
                      lambda s: MultiLayerNet(784, [100] * 6 if s["choice"] == "ok" else [0], 10),
                      gap_view, reference={"choice": "ok"}, epochs=2)
    panel.set(choice="broken")
    assert isinstance(panel.last_error, ValueError) and "hidden_size_list" in panel.status.value
    assert 'color:#c00' in panel.status.value


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
    assert any(r["outcome"] == "stale" and r["settings"] == {"dropout_ratio": 0.2} for r in panel.runs)
    assert shown_setting(panel) == {"dropout_ratio": 0.5} == panel.settings()
    assert panel.status.value.startswith("✅ dropout 0.5")


def test_rapid_changes_in_background_mode_end_on_the_final_setting(trained):
    panel = dropout_panel(epochs=40, background=True)
    for ratio in (0.1, 0.2, 0.3, 0.4, 0.6):
        panel.controls["dropout_ratio"].value = ratio
        time.sleep(0.03)
    wait_until_idle(panel)
    assert shown_setting(panel) == {"dropout_ratio": 0.6}
    assert panel.status.value.startswith("✅ dropout 0.6")
    assert any(r["outcome"] == "stale" for r in panel.runs), "runs of old slider values should stop early"
    assert sum(r["outcome"] == "done" for r in panel.runs) < 6


def test_rapid_set_calls_in_callback_mode_end_on_the_final_setting(trained):
    panel = dropout_panel(epochs=5)
    for ratio in (0.1, 0.7, 0.3, 0.8):
        panel.set(dropout_ratio=ratio)
    assert shown_setting(panel) == {"dropout_ratio": 0.8} and trained[-1]["net"].dropout_ratio == 0.8


def test_precompute_then_flip_through_instantly(trained):
    panel = penalty_panel(epochs=EPOCHS)
    panel.precompute(penalty=["L1", "L2"], lam=[0.001, 0.1])
    panel.precompute([{"penalty": "L2", "lam": 0.01}])
    assert len(trained) == 6                          # the reference, 4 grid points, 1 from the list
    assert panel.status.value.startswith("✅ Precomputed 1 setting(s) in")
    assert "1 trained, 0 cached, 0 failed" in panel.status.value
    for penalty in ("L1", "L2"):
        for lam in (0.001, 0.01, 0.1):
            panel.set(penalty=penalty, lam=lam)
            assert shown_setting(panel) == {"penalty": penalty, "lam": lam}
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
    monkeypatch.chdir(tmp_path)
    panel.export_button.click()
    saved = tmp_path / "penalty_lam-0.1_penalty-L2_10epochs.png"
    assert saved.exists() and png_size(saved.read_bytes())[0] == 1350
    assert str(saved) in panel.status.value
    panel.set(lam=0.3)                                # the live picture still works after an export
    assert shown_setting(panel) == {"penalty": "L2", "lam": 0.3}


def test_bad_input_gets_a_clear_error():
    panel = penalty_panel(epochs=EPOCHS)
    with pytest.raises(ValueError, match=r"lam=0.05 is not on the control; allowed: \[0.0, 0.0001"):
        panel.set(lam=0.05)
    with pytest.raises(ValueError, match="unknown \\['weight_decay'\\]"):
        panel.set(weight_decay=0.1)
    with pytest.raises(ValueError, match="'L3' is not on the control"):
        penalty_panel(penalty="L3")
    with pytest.raises(ValueError, match="missing"):
        LivePanel({"lr": widgets.IntSlider(value=1, min=1, max=5)}, lambda s: None, gap_view, reference={})
    with pytest.raises(ValueError, match="outside \\[1, 5\\]"):
        LivePanel({"lr": widgets.IntSlider(value=1, min=1, max=5)}, lambda s: None, gap_view, reference={"lr": 9})


def test_displaying_the_panel_shows_the_widgets_and_trains(trained, capsys):
    panel = dropout_panel(epochs=EPOCHS)
    panel._ipython_display_()
    assert panel.status.value.startswith("✅ no dropout") and len(trained) == 1


def test_real_defaults(trained):
    """The panel as a notebook shows it: 200 epochs, 300 images, 2,000 test images, partial pictures."""
    panel = dropout_panel()
    pictures = []
    panel.image.observe(lambda change: pictures.append(change["new"]), names="value")
    start = time.perf_counter()
    panel.refresh()
    seconds = time.perf_counter() - start
    run = panel.cache[panel._key({"dropout_ratio": 0.0})]
    assert trained[-1]["epochs"] == 200 and trained[-1]["n_train"] == 300 and trained[-1]["n_test"] == 2000
    assert run.history.epoch[:3] == [1, panel_module.EVAL_EVERY, 2 * panel_module.EVAL_EVERY] and run.history.epoch[-1] == 200
    assert len(pictures) >= 2 + 1 and pictures[-1] == run.png    # partial pictures while training, then the final
    h = run.history
    assert h.train_acc[-1] == 1.0 and h.train_acc[-1] - h.test_acc[-1] > 0.1   # the book's overfitting
    print(f"200 epochs in the panel: {seconds:.2f} s, {len(pictures)} pictures")
