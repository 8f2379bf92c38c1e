"""The 2-D lab (lib/toy2d.py): the data, the lesson it is built for, the bendiness measure, the
decision-region figures, and boundary_panel (set from Python, as tests/test_panel.py does)."""
import numpy as np
import pytest
from matplotlib.figure import Figure

import lib.panel as panel_module
from lib import toy2d
from lib.panel import boundary_panel
from lib.toy2d import (boundaries_figure, boundary_figure, lab_data, lab_net, logit_slope, make_moons,
                       make_spirals, train_lab, weight_bound)

EPOCHS = 40     # enough for the panel's machinery; the lesson tests train the real schedule


# --- the data --------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [make_moons, make_spirals])
@pytest.mark.parametrize("n", [2, 7, 100])
def test_shapes_dtypes_and_balanced_classes(make, n):
    x, t = make(n, seed=3)
    assert x.shape == (n, 2) and x.dtype == np.float32 and np.isfinite(x).all()
    assert t.shape == (n,) and t.dtype == np.int64 and set(np.unique(t)) <= {0, 1}
    assert np.count_nonzero(t == 1) == n // 2 and np.count_nonzero(t == 0) == n - n // 2


@pytest.mark.parametrize("make", [make_moons, make_spirals])
def test_a_seed_reproduces_and_another_seed_differs(make):
    x1, t1 = make(50, noise=0.2, seed=1)
    x2, t2 = make(50, noise=0.2, seed=1)
    x3, t3 = make(50, noise=0.2, seed=2)
    assert np.array_equal(x1, x2) and np.array_equal(t1, t2)
    assert not np.array_equal(x1, x3) and not np.array_equal(t1, t3)


def test_roughly_standardized():
    x, _ = make_moons(20000, seed=0)
    assert np.all(np.abs(x.mean(axis=0)) < 0.15) and np.all(np.abs(x.std(axis=0) - 1) < 0.25)


def nearest_neighbour_accuracy(train, test):
    """Share of the test points whose nearest training point has the same class."""
    (x, t), (xq, tq) = train, test
    d = ((xq[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)
    return float(np.mean(t[d.argmin(axis=1)] == tq))


def test_without_noise_the_moons_are_separable_and_noise_makes_them_overlap():
    x, t = make_moons(600, noise=0, seed=0)
    gap = np.sqrt(((x[t == 0][:, None] - x[t == 1][None]) ** 2).sum(axis=2)).min()
    assert gap > 0.2, f"the two noiseless moons come within {gap:.3f} of each other"
    clean = nearest_neighbour_accuracy(make_moons(300, 0, seed=1), make_moons(500, 0, seed=2))
    noisy = nearest_neighbour_accuracy(make_moons(300, toy2d.NOISE, seed=1), make_moons(500, toy2d.NOISE, seed=2))
    assert clean == 1.0 and noisy < 0.95


def test_lab_split_sizes_and_a_test_set_shared_by_every_training_seed():
    (x, t), (x_test, t_test) = lab_data()
    assert x.shape == (toy2d.N_TRAIN, 2) and x_test.shape == (toy2d.N_TEST, 2)
    (x1, _), (x_test1, t_test1) = lab_data(seed=1)
    assert not np.array_equal(x, x1)
    assert np.array_equal(x_test, x_test1) and np.array_equal(t_test, t_test1)
    (xs, ts), _ = lab_data(n_train=40, kind="spirals")
    assert xs.shape == (40, 2) and np.count_nonzero(ts) == 20


def test_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match="n must be a whole number in \\[2, inf\\], got 1"):
        make_moons(1)
    with pytest.raises(ValueError, match="noise must be in \\[0, inf\\]"):
        make_moons(10, noise=-0.1)
    with pytest.raises(ValueError, match="unknown kind 'circles'; allowed: 'moons', 'spirals'"):
        lab_data(kind="circles")
    with pytest.raises(ValueError, match="test set's seed"):
        lab_data(seed=toy2d.TEST_SEED)
    with pytest.raises(ValueError, match="unknown penalty 'L3'"):
        lab_net(penalty="L3")
    with pytest.raises(ValueError, match="lam=0.1 needs a penalty"):
        lab_net(lam=0.1)
    with pytest.raises(ValueError, match="shape \\(N, 2\\)"):
        logit_slope(lab_net(), np.zeros((5, 3)))
    with pytest.raises(TypeError, match="non-empty dict"):
        boundaries_figure([], *lab_data()[0])


# --- the lesson the lab is built for ----------------------------------------------------------------
@pytest.fixture(scope="module")
def lab_runs():
    """The lab's setting with no penalty, L2 (λ = 0.01) and dropout 0.5, seeds 0-2: {name: [(net, history)]}."""
    settings = {"none": {}, "L2": {"penalty": "L2", "lam": 0.01}, "dropout": {"dropout_ratio": 0.5}}
    return {name: [train_lab(seed=seed, **kw) for seed in range(3)] for name, kw in settings.items()}


def test_no_penalty_overfits_and_l2_and_dropout_beat_it_beyond_the_seed_spread(lab_runs):
    """What the chapters show: without a penalty the net fits every training point and tests worse;
    L2 and dropout raise the test accuracy by more than twice the seeds' spread."""
    test = {name: np.array([h.test_acc[-1] for _, h in runs]) for name, runs in lab_runs.items()}
    assert all(h.train_acc[-1] == 1.0 for _, h in lab_runs["none"])
    assert test["none"].mean() < 0.95
    for name in ("L2", "dropout"):
        spread = max(test[name].std(ddof=1), test["none"].std(ddof=1))
        gain = test[name].mean() - test["none"].mean()
        assert gain > 2 * spread and gain > 0.01, f"{name}: gain {gain:.3f}, spread {spread:.3f}"


def test_smaller_weights_mean_a_gentler_logit_and_the_bound_holds(lab_runs):
    _, (x_test, _) = lab_data()
    for name, runs in lab_runs.items():
        for net, _ in runs:
            assert logit_slope(net, x_test) <= weight_bound(net) * 1.001, name
    slope = {name: np.mean([logit_slope(net, x_test) for net, _ in runs]) for name, runs in lab_runs.items()}
    bound = {name: np.mean([weight_bound(net) for net, _ in runs]) for name, runs in lab_runs.items()}
    assert slope["L2"] < slope["none"] / 3 and bound["L2"] < bound["none"] / 3
    assert slope["dropout"] < slope["none"]


def test_scaling_the_weights_scales_the_slope():
    """A known case: a ReLU net is positively homogeneous, so multiplying the last layer (or the
    first layer's W and b) by c multiplies the logit, its slope and the bound by c."""
    (x, _), (x_test, _) = lab_data()
    net = lab_net(seed=0)
    before, bound = logit_slope(net, x_test), weight_bound(net)
    net.params["W3"] *= 10
    net.params["b3"] *= 10
    assert logit_slope(net, x_test) == pytest.approx(10 * before, rel=1e-3)
    assert weight_bound(net) == pytest.approx(10 * bound, rel=1e-5)
    net.params["W1"] *= 2
    net.params["b1"] *= 2
    assert logit_slope(net, x_test) == pytest.approx(20 * before, rel=1e-3)


def test_l1_leaves_fewer_units_in_use():
    """L1 (chapter 2) switches hidden units off: fewer units keep weights above the tolerance."""
    none, l1 = train_lab(seed=0)[0], train_lab(penalty="L1", lam=0.003, seed=0)[0]
    assert sum(toy2d.units_in_use(none)) > 0.95 * 200
    assert sum(toy2d.units_in_use(l1)) < 0.5 * 200
    net = lab_net(seed=0)
    for key in ("W1", "W2", "W3"):
        net.params[key][...] = 0.1                     # every unit connected ...
    net.params["W2"][:, :10] = 0                       # 10 units of layer 2 lose their inputs
    net.params["W2"][:5] = 0                           # 5 units of layer 1 lose their outputs
    assert toy2d.units_in_use(net) == [95, 90]


# --- figures ----------------------------------------------------------------------------------------
def test_boundary_figure_shows_the_accuracies_and_a_reference(lab_runs):
    (x, t), (x_test, t_test) = lab_data()
    net, reference = lab_runs["L2"][0][0], lab_runs["none"][0][0]
    fig = boundary_figure(net, x, t, x_test, t_test, title="L2")
    assert isinstance(fig, Figure)
    title = fig.axes[0].get_title()
    assert title.startswith("L2\n")
    assert f"train {net.accuracy(x, t):.2f}" in title and f"test {net.accuracy(x_test, t_test):.2f}" in title
    n_contours = len(fig.axes[0].collections)
    with_reference = boundary_figure(net, x, t, x_test, t_test, reference=reference)
    assert len(with_reference.axes[0].collections) > n_contours
    only_train = boundary_figure(net, x, t).axes[0].get_title()
    assert only_train == f"train {net.accuracy(x, t):.2f}"
    fig = boundaries_figure({name: runs[0][0] for name, runs in lab_runs.items()}, x, t, x_test, t_test,
                            reference=reference)
    assert [ax.get_title().split("\n")[0] for ax in fig.axes] == ["none", "L2", "dropout"]


def test_probability_grid_is_a_probability():
    xs, ys, p = toy2d.probability_grid(lab_net(), grid=11)
    assert xs.shape == ys.shape == (11,) and p.shape == (11, 11) and np.all((p >= 0) & (p <= 1))


# --- the panel --------------------------------------------------------------------------------------
def sizes(net):
    return [net.params[f"W{i}"].shape for i in range(1, net.n_layers + 1)]


def test_boundary_panel_trains_the_lab_setting_and_its_reference(trained):
    panel = boundary_panel(epochs=EPOCHS)
    before = panel.image.value
    panel.set(penalty="L2", lam=0.01)
    assert [r["settings"] for r in panel.runs] == [
        {"penalty": "L2", "lam": 0.01, "dropout_ratio": 0.0, "width": 100, "depth": 2},
        {"penalty": "none", "lam": 0.0, "dropout_ratio": 0.0, "width": 100, "depth": 2}]
    current, reference = trained[0], trained[1]
    assert current["net"].l2.lam == 0.01 and reference["net"].l2.lam == 0
    assert sizes(current["net"]) == [(2, 100), (100, 100), (100, 2)]
    assert current["n_train"] == current["batch_size"] == toy2d.N_TRAIN and current["n_test"] == toy2d.N_TEST
    assert current["optimizer"] == "adam" and current["lr"] == toy2d.LAB["lr"] and current["epochs"] == EPOCHS
    assert panel.image.value != before and panel.state == "ready"
    assert "L2, λ = 0.01, 2×100 net, 1 seed: train" in panel.status.value
    probability, slope = panel.cache[(panel._key(panel._split(panel.settings())[0]), 0)].side
    assert probability.shape == (panel_module.GRID_2D,) * 2 and 0 <= probability.min() <= probability.max() <= 1
    assert slope > 0
    panel.close()


def test_boundary_panel_sliders_dropout_width_depth_and_the_cache(trained):
    panel = boundary_panel(epochs=EPOCHS)
    panel.refresh()
    first = panel.image.value
    statuses = []
    panel.status.observe(lambda change: statuses.append(change["new"]), names="value")
    panel.controls["dropout_ratio"].value = 0.5           # as releasing the slider does
    assert "Training no penalty, dropout 0.5" in statuses[0]                   # acknowledged first
    assert trained[-1]["net"].dropout_ratio == 0.5 and panel.image.value != first
    panel.controls["width"].value = 25
    panel.controls["depth"].value = 3
    assert sizes(trained[-1]["net"]) == [(2, 25), (25, 25), (25, 25), (25, 2)]
    assert trained[-1]["net"].dropout_ratio == 0              # the reference has the same width and depth
    n_runs = len(panel.runs)
    panel.set(width=100, depth=2)                             # back to a trained setting: the cache
    assert len(panel.runs) == n_runs and "(from the cache)" in panel.status.value
    panel.close()


def test_boundary_panel_greys_out_lambda_without_a_penalty_and_shares_equal_runs(trained):
    panel = boundary_panel(epochs=EPOCHS)
    assert panel.controls["lam"].disabled and not panel.controls["dropout_ratio"].disabled
    panel.set(penalty="L1", lam=0.0)                           # lambda 0 is no penalty: one run
    panel.set(penalty="L1", lam=0.001)
    assert not panel.controls["lam"].disabled
    assert trained[-1]["net"].l1.lam == 0.001 and trained[-1]["net"].l1_method == "subgradient"
    panel.set(penalty="none")
    assert panel.controls["lam"].disabled and "greyed out" in panel.status.value
    assert len(trained) == 2
    panel.close()


def test_boundary_panel_three_seeds_export_and_still_picture(trained, tmp_path):
    panel = boundary_panel(epochs=EPOCHS, dropout_ratio=0.3, seeds=3)
    panel.refresh()
    assert sorted(r["seed"] for r in panel.runs) == [0, 0, 1, 1, 2, 2]
    assert "±" in panel.status.value
    path = panel.export_png(tmp_path / "boundary.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    panel.close()
    assert panel.closed and panel_module._OPEN.get("boundary") is None
