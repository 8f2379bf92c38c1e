"""lib/geometry.py (the two-weight pictures of chapter 2) and the chapter's figures in lib/plots.py."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from lib.geometry import (Quadratic2D, constraint_figure, descent_path, l1_solution, l2_solution,
                          penalty_pull_figure, shrink_figure, shrink_path)
from lib.plots import first_layer_figure, log_magnitude_figure, sweep_figure, to_png, weight_histograms_figure


@pytest.fixture
def bowl():
    return Quadratic2D()


def test_l2_solution_sets_the_gradient_to_zero(bowl):
    for lam in (0.0, 0.5, 3.0):
        w = l2_solution(bowl, lam)
        assert np.allclose(bowl.grad(w) + lam * w, 0)
    assert np.allclose(l2_solution(bowl, 0.0), bowl.c)


def test_l1_solution_is_optimal_and_reaches_the_axis(bowl):
    # the chapter's numbers: w2 is exactly 0 from lambda = 1 on, both from lambda = 4 on
    assert np.allclose(l1_solution(bowl, 0.5), [1.5, 0.5])
    w = l1_solution(bowl, 1.5)
    assert w[1] == 0 and np.isclose(w[0], 1.25)
    assert np.all(l1_solution(bowl, 4.5) == 0)
    # optimality: no small move lowers E + lam |w|_1
    lam = 1.5
    f = lambda v: bowl.value(v) + lam * np.abs(v).sum()
    rng = np.random.default_rng(0)
    assert all(f(w) <= f(w + d) + 1e-12 for d in rng.normal(0, 1e-3, (200, 2)))


def test_l2_never_reaches_the_axis(bowl):
    for lam in (1.0, 10.0, 100.0):
        assert np.all(l2_solution(bowl, lam) != 0)


def test_descent_paths(bowl):
    prox = descent_path(bowl, "l1", 1.5, method="proximal", steps=200)
    sub = descent_path(bowl, "l1", 1.5, method="subgradient", steps=200)
    assert prox.shape == (201, 2)
    assert prox[-1, 1] == 0 and np.allclose(prox[-1], l1_solution(bowl, 1.5), atol=1e-6)
    assert np.all(sub[-20:, 1] != 0)                       # never settles on the axis
    l2 = descent_path(bowl, "l2", 1.5, steps=400)
    assert np.allclose(l2[-1], l2_solution(bowl, 1.5), atol=1e-6)


def test_shrink_path():
    l2 = shrink_path(method="l2", w0=1.0, lam=1.0, lr=0.1, steps=30)
    assert np.allclose(l2, 0.9 ** np.arange(31)) and np.all(l2 > 0)
    sub = shrink_path(method="l1", w0=1.03, lam=1.0, lr=0.1, steps=40)
    assert np.all(sub[-10:] != 0) and np.any(sub[-10:] < 0)   # jumps across 0
    prox = shrink_path(method="l1-proximal", w0=1.03, lam=1.0, lr=0.1, steps=40)
    assert np.all(prox[11:] == 0) and np.all(prox[:11] > 0)


@pytest.mark.parametrize("call, names", [
    (lambda: Quadratic2D(A=[[1, 2], [0, 1]]), "symmetric"),
    (lambda: Quadratic2D(A=[[1, 0], [0, -1]]), "positive definite"),
    (lambda: Quadratic2D(c=[1, 2, 3]), "c must be two"),
    (lambda: l2_solution(Quadratic2D(), -1), "lam"),
    (lambda: descent_path(Quadratic2D(), "l3", 1.0), "penalty"),
    (lambda: descent_path(Quadratic2D(), "l1", 1.0, method="newton"), "method"),
    (lambda: descent_path(Quadratic2D(), "l1", 1.0, start=(1, 2, 3)), "start"),
    (lambda: shrink_path(method="l0"), "method"),
    (lambda: shrink_path(lr=0), "lr"),
    (lambda: penalty_pull_figure(lam=0), "lam"),
])
def test_bad_input_names_the_argument(call, names):
    with pytest.raises((ValueError, TypeError), match=names):
        call()


def test_figures_build(bowl):
    figures = [penalty_pull_figure(), constraint_figure(bowl), constraint_figure(bowl, paths=False),
               shrink_figure({"L2": shrink_path(), "L1": shrink_path(method="l1"),
                              "L1 proximal": shrink_path(method="l1-proximal")}, lr=0.1, lam=1.0)]
    rng = np.random.default_rng(0)
    W = {"none": rng.normal(0, 0.05, (784, 10)), "L1": np.where(rng.random((784, 10)) < 0.3, 0, 0.05)}
    figures += [weight_histograms_figure(W), log_magnitude_figure(W, mark={"step": 1e-4}),
                first_layer_figure(W, units=4, own_scale=["L1"], title="t")]
    scores = rng.random((3, 3))
    figures.append(sweep_figure({"L2": {"validation accuracy": ([0.01, 0.1, 1], scores),
                                        "train accuracy": ([0.01, 0.1, 1], scores)}},
                                baseline={"validation accuracy": [0.5, 0.6, 0.55]}, chosen={"L2": 0.1},
                                ylims={"validation accuracy": (0.4, 0.9)}))
    for fig in figures:
        assert isinstance(fig, Figure)
        assert to_png(fig, dpi=30).startswith(b"\x89PNG")


@pytest.mark.parametrize("call, says", [
    (lambda: sweep_figure({}), "sweeps is empty"),
    (lambda: sweep_figure({"p": {"r": ([0, 1], np.ones((2, 3)))}}), "log axis needs x > 0"),
    (lambda: sweep_figure({"p": {"r": ([1, 2], np.ones(2))}}), "shape"),
    (lambda: sweep_figure({"p": {"r": ([1, 2], np.ones((2, 3)))}}, ylims={"q": (0, 1)}), "no sweep has"),
    (lambda: first_layer_figure({"a": np.zeros((100, 4))}), "shape \\(784, H\\)"),
    (lambda: first_layer_figure({"a": np.zeros((784, 4))}, own_scale=["b"]), "own_scale"),
    (lambda: weight_histograms_figure({}), "empty"),
])
def test_figure_bad_input(call, says):
    with pytest.raises(ValueError, match=says):
        call()


# --- chapter 2's figures label what they count (issue 12) ---------------------------------------
def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_weight_histograms_say_what_they_count():
    from lib.plots import histogram_edges, weight_counts
    rng = np.random.default_rng(1)
    dense = rng.normal(0, 0.05, 20000)
    sparse = np.where(rng.random(20000) < 0.3, 0.0, rng.normal(0, 0.05, 20000))
    sparse[:50] = 0.0004                                   # near 0 but not exactly 0
    weights = {"dense": dense, "sparse": sparse}
    counts = weight_counts(weights, zero_tol=1e-3)
    assert counts["sparse"]["exactly_0"] == np.sum(sparse == 0)
    assert counts["sparse"]["near_0"] == np.sum(np.abs(sparse) < 1e-3) > counts["sparse"]["exactly_0"]
    limit = counts["dense"]["limit"]
    assert counts["dense"]["beyond"] == np.sum(np.abs(dense) > limit) > 0
    # the default bars are 2 * zero_tol wide, so the bar at 0 is exactly |w| < zero_tol
    edges = histogram_edges(limit, 1e-3)
    middle = (len(edges) - 1) // 2
    assert np.allclose(edges[middle:middle + 2], [-1e-3, 1e-3]) and np.isclose(edges[-1], limit)
    fig = weight_histograms_figure(weights, zero_tol=1e-3)
    texts = "\n".join(_texts(fig))
    c = counts["sparse"]
    assert f"exactly 0: {c['exactly_0']:,} ({c['exactly_0'] / c['size']:.1%})" in texts
    assert f"|w| < 0.001: {c['near_0']:,}" in texts
    # the cut-off bar at 0 is labelled with its own count, which is the |w| < zero_tol count
    assert any("cut off" in t and f"{c['near_0']:,}" in t for t in _texts(fig))
    assert f"beyond ±{limit:.3g}: {counts['dense']['beyond']:,} (not drawn)" in texts
    # weights beyond the axis are not piled into the edge bars
    xy = fig.axes[0].patches[0].get_xy()                  # the outline of the "dense" histogram
    at_edges = xy[(np.abs(xy[:, 0]) > edges[-2] - 1e-12), 1]
    assert at_edges.max() < 0.1 * xy[:, 1].max()


def test_log_magnitude_histograms_are_outlines_with_everything_in_the_legend():
    rng = np.random.default_rng(2)
    W = {"a": rng.normal(0, 1e-4, 5000), "b": np.where(rng.random(5000) < 0.3, 0, rng.normal(0, 0.05, 5000))}
    fig = log_magnitude_figure(W, mark={"step": 1e-4})
    ax = fig.axes[0]
    assert all(not p.get_fill() for p in ax.patches)      # outlines: no blended colours
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 3 and labels[1].startswith(f"b: {np.mean(W['b'] == 0):.1%} exactly 0")


def test_constraint_figure_zoom_shows_only_the_end_of_the_runs(bowl):
    from lib.geometry import ZOOM_STEPS
    fig = constraint_figure(bowl)
    insets = [inset for ax in fig.axes for inset in ax.child_axes if any("zoom" in t.get_text() for t in inset.texts)]
    assert len(insets) == 1
    lines = [line for line in insets[0].lines if len(line.get_xdata()) > 1]
    assert max(len(line.get_xdata()) for line in lines) <= ZOOM_STEPS
