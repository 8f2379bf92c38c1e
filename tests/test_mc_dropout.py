"""lib/mc_dropout.py (MC dropout), lib/dropout_plots.py and the diagnoses of lib/exercises/dropout.py."""
import io
from contextlib import redirect_stdout

import numpy as np
import pytest
from matplotlib.figure import Figure

from lib.exercises.dropout import check_fold_test_scale, check_inverted_forward, check_mc_average
from lib.layers import softmax
from lib.mc_dropout import auroc, eval_probabilities, mc_predict, mc_samples, mc_spread, running_agreement
from lib.net import MultiLayerNet
from lib import dropout_plots


def small_net(ratio=0.3, seed=0):
    return MultiLayerNet(10, [12, 12], 4, dropout_ratio=ratio, seed=seed)


X = np.random.default_rng(0).random((7, 10)).astype(np.float32)


def test_mc_samples_shape_reproducible_and_leaves_the_net_alone():
    net = small_net()
    state = net.rng.bit_generator.state
    a = mc_samples(net, X, n_samples=5, seed=3)
    b = mc_samples(net, X, n_samples=5, seed=3)
    assert a.shape == (5, 7, 4)
    np.testing.assert_array_equal(a, b)                            # seeded
    assert net.rng.bit_generator.state == state                    # training's random stream untouched
    np.testing.assert_allclose(a.sum(axis=2), 1, rtol=1e-5)        # probabilities
    assert not np.allclose(a[0], a[1])                             # different masks per sample
    assert not np.array_equal(a, mc_samples(net, X, n_samples=5, seed=4))


def test_mc_samples_equal_the_loop_over_predict_with_the_same_masks():
    net = small_net()
    samples = mc_samples(net, X, n_samples=4, seed=np.random.default_rng(9))
    twin, rng = small_net(), np.random.default_rng(9)
    for layer in twin.layers:
        if hasattr(layer, "ratio"):     # the Dropout layers share one generator, as mc_samples does
            layer.rng = rng
    expected = np.array([softmax(twin.predict(X, train=True)) for _ in range(4)])
    np.testing.assert_allclose(samples, expected, rtol=1e-5, atol=1e-7)


def test_mc_predict_approaches_eval_mode_and_spread_is_nonnegative():
    net = small_net(ratio=0.2)
    samples = mc_samples(net, X, n_samples=400, seed=0)
    agree, diff = running_agreement(samples, eval_probabilities(net, X), [1, 400])
    assert diff[1] < diff[0]
    np.testing.assert_allclose(mc_predict(net, X, 400, seed=0), samples.mean(axis=0), rtol=1e-6)
    spread = mc_spread(samples)
    assert spread.shape == (7,) and np.all(spread >= 0)


@pytest.mark.parametrize("bad, message", [
    (dict(n_samples=0), "n_samples"), (dict(n_samples=2.5), "n_samples"), (dict(seed=-1), "seed")])
def test_mc_samples_bad_arguments(bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        mc_samples(small_net(), X, **{"n_samples": 3, **bad})


def test_mc_samples_needs_dropout():
    with pytest.raises(ValueError, match="no dropout layers"):
        mc_samples(small_net(ratio=0.0), X)


def test_running_agreement_checks_shapes():
    samples = np.full((3, 2, 4), 0.25)
    with pytest.raises(ValueError, match="reference"):
        running_agreement(samples, np.zeros((3, 4)), [1])
    with pytest.raises(ValueError, match="counts"):
        running_agreement(samples, np.full((2, 4), 0.25), [4])


def test_figures_are_figures():
    net = small_net()
    s = mc_samples(net, X, 6, seed=0)
    images = np.random.default_rng(0).random((3, 784))
    assert isinstance(dropout_plots.mc_digits_figure(images, s[:, :3], [0, 1, 2]), Figure)
    assert isinstance(dropout_plots.mc_convergence_figure([1, 6], [0.5, 0.9], [0.1, 0.05], [0.5, 0.6], 0.6), Figure)
    h = np.random.default_rng(1).random((4, 20))
    mask = (np.random.default_rng(2).random((4, 20)) > 0.5) * 2.0
    assert isinstance(dropout_plots.mask_figure(h, mask, 0.5), Figure)
    assert isinstance(dropout_plots.expectation_figure([1, 10], {"a": [1.0, 0.3], "b": [1.0, 0.3]}), Figure)
    assert isinstance(dropout_plots.ratio_sweep_figure([0, 0.5], {"x": {"validation": [[0.8, 0.7], [0.5, 0.4]]}},
                                                       chosen=0.0), Figure)
    with pytest.raises(ValueError, match="shape"):
        dropout_plots.ratio_sweep_figure([0, 0.5], {"x": {"validation": [0.8, 0.5]}})
    with pytest.raises(ValueError, match="one shape"):
        dropout_plots.mask_figure(h, mask[:, :5], 0.5)


def test_mask_figure_counts_kept_units_over_all_units():
    """The printed share of kept units (all H) and the figure's label must agree."""
    h = np.ones((2, 10))
    mask = np.zeros((2, 10))
    mask[:, :2] = 2.0                       # the 2 units shown are kept; 20 % of all 10 are
    fig = dropout_plots.mask_figure(h, mask, 0.5, units=2)
    assert "20% of all 10 units kept" in fig.axes[1].get_title()


def test_ratio_sweep_zoom_links_each_seed_by_its_marker():
    rows = {"validation": [[0.80, 0.81, 0.79], [0.82, 0.80, 0.81]]}
    fig = dropout_plots.ratio_sweep_figure([0.0, 0.1], {"a": rows, "b": rows}, zoom_ratios=[0.0, 0.1],
                                           seed_labels=["seed 4", "seed 5", "seed 6"])
    zoom = fig.axes[1]
    markers = {}
    for line in zoom.get_lines():
        if len(line.get_xdata()) and line.get_linewidth() == 1:
            markers.setdefault(line.get_color(), []).append(line.get_marker())
    assert list(markers.values())[0] == list(markers.values())[1] == ["o", "s", "^"]
    labels = [text.get_text() for text in zoom.get_legend().get_texts()]
    assert "seed 5 (thin)" in labels


def quiet(check, fn):
    out = io.StringIO()
    with redirect_stdout(out):
        result = check(fn)
    return result, out.getvalue()


@pytest.mark.parametrize("check, fn, phrase", [
    (check_inverted_forward, lambda x, k, p, tr: x * k if tr else x, "did not scale"),
    (check_inverted_forward, lambda x, k, p, tr: x * k / p if tr else x, "DROPPING"),
    (check_inverted_forward, lambda x, k, p, tr: x * k / (1 - p) if tr else x * (1 - p), "book's mode"),
    (check_inverted_forward, lambda x, k, p, tr: x * k / (1 - p), "still dropped"),
    (check_fold_test_scale, lambda P, p: {k: v * (1 - p) if k[0] == "W" else v for k, v in P.items()}, "W1 too"),
    (check_fold_test_scale, lambda P, p: {k: v * (1 - p) if k != "W1" else v for k, v in P.items()}, "bias"),
    (check_fold_test_scale, lambda P, p: P, "unchanged"),
    (check_mc_average, lambda net, x, n: softmax(np.mean([net.predict(x, train=True) for _ in range(n)], axis=0)),
     "averaged the scores"),
    (check_mc_average, lambda net, x, n: softmax(net.predict(x)), "eval mode"),
    (check_mc_average, lambda net, x, n: None, "never ran"),
])
def test_checks_diagnose_typical_mistakes(check, fn, phrase):
    result, printed = quiet(check, fn)
    assert result is False
    assert phrase in printed, printed


def test_checks_pass_a_batched_mc_average_and_never_raise():
    def batched(net, x, n):
        scores = net.predict(np.repeat(x, n, axis=0), train=True)
        return softmax(scores).reshape(len(x), n, -1).mean(axis=1)
    assert quiet(check_mc_average, batched)[0] is True
    for check in (check_inverted_forward, check_fold_test_scale, check_mc_average):
        assert quiet(check, "not a function")[0] is False
        assert quiet(check, lambda *a: 1 / 0)[0] is False


# ------------------------------------------------------------------ auroc

def brute_force_auroc(scores, positive):
    """Every (positive, negative) pair: 1 if the positive scores higher, 1/2 for a tie."""
    pos, neg = scores[positive], scores[~positive]
    return np.mean([(a > b) + 0.5 * (a == b) for a in pos for b in neg])


@pytest.mark.parametrize("seed", range(6))
def test_auroc_equals_the_pairwise_count(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 80))
    scores = rng.integers(0, 6, n).astype(float) if seed % 2 else rng.random(n)   # with and without ties
    positive = rng.random(n) < 0.3
    positive[:2] = True, False
    assert auroc(scores, positive) == pytest.approx(brute_force_auroc(scores, positive), abs=1e-12)


def test_auroc_extremes_and_bad_input():
    positive = np.array([False, False, True, True])
    assert auroc(np.array([0.1, 0.2, 0.8, 0.9]), positive) == 1.0
    assert auroc(np.array([0.9, 0.8, 0.2, 0.1]), positive) == 0.0
    assert auroc(np.ones(4), positive) == 0.5
    with pytest.raises(ValueError, match="at least one positive"):
        auroc(np.ones(3), np.zeros(3, dtype=bool))
    with pytest.raises(TypeError, match="booleans"):
        auroc(np.ones(3), np.array([0, 1, 0]))
