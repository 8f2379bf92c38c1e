"""lib/search.py (random search, comparisons, the Adam/AdamW shrinkage demo) and the chapter 4
exercise checks (lib/exercises/choosing.py)."""
import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from lib.exercises.choosing import (check_adamw_step, check_best_epoch, check_log_uniform, reference_adamw_step,
                                 reference_best_epoch)
from lib.search import (best_trial, compare_methods, drop_overlap, format_table, log_uniform, random_search,
                        run_one, sample_settings, shrinkage_demo, summarize, value_by_size)


def tiny_data(n=60, d=20, seed=0):
    """A small, learnable 3-class problem (class = argmax of three fixed projections)."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, d)).astype(np.float32)
    t = (x @ rng.standard_normal((d, 3))).argmax(axis=1)
    return x, t


def quiet(fn, *args, **kwargs):
    with redirect_stdout(io.StringIO()) as out:
        result = fn(*args, **kwargs)
    return result, out.getvalue()


def test_log_uniform_every_decade_gets_its_share_and_is_seeded():
    a = log_uniform(1e-5, 1e-1, 40_000, rng=3)
    assert a.min() >= 1e-5 and a.max() <= 1e-1
    share = np.histogram(np.log10(a), bins=4, range=(-5, -1))[0] / len(a)
    assert np.all(np.abs(share - 0.25) < 0.01), share
    assert np.array_equal(a, log_uniform(1e-5, 1e-1, 40_000, rng=3))
    assert not np.array_equal(a, log_uniform(1e-5, 1e-1, 40_000, rng=4))


@pytest.mark.parametrize("low, high, word", [(0, 1, "low"), (-1, 1, "low"), (1e-2, 1e-3, "larger"),
                                             (1e-3, 1e-3, "larger")])
def test_log_uniform_bad_range(low, high, word):
    with pytest.raises(ValueError, match=word):
        log_uniform(low, high, 5, rng=0)


def test_log_uniform_needs_a_seed():
    with pytest.raises(TypeError, match="seed"):
        log_uniform(1e-3, 1, 5)


def test_sample_settings_respects_the_space():
    space = {"lr": (1e-3, 1.0, "log"), "dropout_ratio": (0.0, 0.5, "linear")}
    rng = np.random.default_rng(0)
    for _ in range(200):
        s = sample_settings(space, rng)
        assert set(s) == {"lr", "dropout_ratio"}
        assert 1e-3 <= s["lr"] <= 1.0 and 0.0 <= s["dropout_ratio"] <= 0.5


@pytest.mark.parametrize("space, match", [
    ({}, "non-empty"),
    ({"lr": (1e-3, 1.0)}, "tuple"),
    ({"lr": (0.0, 1.0, "log")}, "low of lr"),
    ({"lr": (1.0, 0.1, "log")}, "larger"),
    ({"lr": (1e-3, 1.0, "exp")}, "scale of lr"),
])
def test_bad_search_space(space, match):
    with pytest.raises((TypeError, ValueError), match=match):
        sample_settings(space, 0)


def test_run_one_rejects_unknown_settings():
    x, t = tiny_data()
    with pytest.raises(ValueError, match="unknown setting"):
        run_one(x, t, x, t, {"learning_rate": 0.1}, epochs=1, hidden_size_list=[8])


def test_random_search_records_and_reproducibility():
    x, t = tiny_data()
    space = {"lr": (1e-2, 0.3, "log"), "weight_decay_lambda": (1e-5, 1e-2, "log")}
    trials, printed = quiet(random_search, x[:40], t[:40], x[40:], t[40:], n_trials=4, space=space, seed=1,
                            epochs=3, hidden_size_list=[8], batch_size=10)
    assert "Random search: done" in printed
    assert [r["trial"] for r in trials] == [0, 1, 2, 3]
    for r in trials:
        assert set(space) <= set(r) and 0 <= r["val_acc"] <= 1 and not r["diverged"] and "net" not in r
    again, _ = quiet(random_search, x[:40], t[:40], x[40:], t[40:], n_trials=4, space=space, seed=1,
                     epochs=3, hidden_size_list=[8], batch_size=10)
    assert [r["val_acc"] for r in again] == [r["val_acc"] for r in trials]
    assert [r["lr"] for r in again] == [r["lr"] for r in trials]
    assert best_trial(trials)["val_acc"] == max(r["val_acc"] for r in trials)


def test_random_search_keeps_diverged_trials():
    x, t = tiny_data()
    trials, _ = quiet(random_search, x, t, x, t, n_trials=2, space={"lr": (10.0, 100.0, "log")}, seed=0,
                      epochs=5, hidden_size_list=[32] * 4, batch_size=10)
    assert all(r["diverged"] and r["val_acc"] is None for r in trials)
    with pytest.raises(ValueError, match="diverge"):
        best_trial(trials)


def test_compare_methods_summary_and_early_stopping():
    x, t = tiny_data(90)
    methods = {"none": {"lr": 0.1}, "early": {"lr": 0.1, "patience": 2}}
    records, _ = quiet(compare_methods, methods, x[:50], t[:50], x[50:70], t[50:70], x[70:], t[70:],
                       seeds=(0, 1), epochs=30, hidden_size_list=[8], batch_size=10)
    assert [(r["method"], r["seed"]) for r in records] == [("none", 0), ("none", 1), ("early", 0), ("early", 1)]
    assert all(r["epochs_run"] == 30 for r in records[:2])
    for r in records[2:]:
        assert r["best_epoch"] is not None and r["best_epoch"] <= r["epochs_run"]
        # train() put back the best weights: the record's validation accuracy is that epoch's
        assert r["val_acc"] == pytest.approx(max(r["history"].test_acc))
    summary = summarize(records)
    mean, std = summary["none"]["test_acc"]
    values = [r["test_acc"] for r in records[:2]]
    assert mean == pytest.approx(np.mean(values)) and std == pytest.approx(np.std(values, ddof=1))
    table = format_table(summary)
    assert "none" in table and "early" in table and "±" in table


def test_value_by_size_equal_steps():
    x, t = tiny_data(200)
    records, summaries = quiet(value_by_size, {"none": {"lr": 0.1}}, x[:150], t[:150], x[150:], t[150:],
                               sizes=(20, 100), steps=10, batch_size=10, seeds=(0,))[0]
    assert [r["epochs"] for r in records] == [5, 1]
    assert set(summaries) == {20, 100}


def test_drop_overlap():
    x, t = tiny_data(30)
    kept_x, kept_t, n = drop_overlap(x, t, x[5:12])
    assert n == 7 and len(kept_x) == 23 and len(kept_t) == 23


def test_shrinkage_demo_adam_l2_depends_on_gradient_size_adamw_does_not():
    demo = shrinkage_demo(grad_scales=(10.0, 0.01), strength=0.1, lr=1e-3, steps=500, seed=0)
    shrink_l2 = demo["none"][-1] - demo["adam+L2"][-1]
    shrink_w = demo["none"][-1] - demo["adamw"][-1]
    assert shrink_l2[1] > 20 * shrink_l2[0] > 0          # the small-gradient weight is pulled much harder
    assert shrink_w[1] == pytest.approx(shrink_w[0], rel=0.05)
    # AdamW: each step multiplies by (1 - lr * strength) on top of the Adam step
    assert shrink_w[0] == pytest.approx(1 - (1 - 1e-4) ** 500, rel=0.05)


# --- the exercise checks ---------------------------------------------------------------------

def run(check, fn):
    return quiet(check, fn)


def test_log_uniform_check():
    good = lambda lo, hi, n, s: 10.0 ** np.random.default_rng(s).uniform(np.log10(lo), np.log10(hi), n)
    assert run(check_log_uniform, good)[0] is True
    ok, text = run(check_log_uniform, lambda lo, hi, n, s: np.random.default_rng(s).uniform(lo, hi, n))
    assert ok is False and "uniform sampling" in text
    ok, text = run(check_log_uniform, lambda lo, hi, n, s: np.random.default_rng(s).uniform(np.log10(lo), np.log10(hi), n))
    assert ok is False and "exponents" in text
    ok, text = run(check_log_uniform, lambda lo, hi, n, s: 10.0 ** np.random.default_rng().uniform(-4, 0, n))
    assert ok is False and "same seed" in text


def test_best_epoch_check():
    assert run(check_best_epoch, reference_best_epoch)[0] is True
    zero_based = lambda c, p: tuple(v - 1 for v in reference_best_epoch(c, p))
    ok, text = run(check_best_epoch, zero_based)
    assert ok is False and "count from 1" in text
    ok, text = run(check_best_epoch, lambda c, p: reference_best_epoch(c, p, strict=False))
    assert ok is False and "tie" in text
    ok, text = run(check_best_epoch, lambda c, p: (int(np.argmax(c)) + 1, len(c)))
    assert ok is False


def test_adamw_check():
    assert run(check_adamw_step, reference_adamw_step)[0] is True
    assert run(check_adamw_step, lambda *a: reference_adamw_step(*a, decay_first=False))[0] is True

    def coupled(w, g, m, v, k, lr, wd, b1, b2, eps):
        return reference_adamw_step(w, g + wd * w, m, v, k, lr, 0.0, b1, b2, eps)
    ok, text = run(check_adamw_step, coupled)
    assert ok is False and "Adam + L2" in text

    def no_decay(w, g, m, v, k, lr, wd, b1, b2, eps):
        return reference_adamw_step(w, g, m, v, k, lr, 0.0, b1, b2, eps)
    ok, text = run(check_adamw_step, no_decay)
    assert ok is False and "decay" in text


@pytest.mark.parametrize("check", [check_log_uniform, check_best_epoch, check_adamw_step])
@pytest.mark.parametrize("fn", [None, lambda *a: None, lambda *a: "text", lambda *a: 1 / 0, lambda *a: ("a", "b", "c")])
def test_checks_never_raise(check, fn):
    ok, text = run(check, fn)
    assert ok is False and text.startswith("❌")


def test_grid_position_names_the_edges():
    from lib.search import grid_position
    assert grid_position([1, 2, 3], [0.9, 0.5, 0.4]) == (0, "lower edge")
    assert grid_position([1, 2, 3], [0.4, 0.5, 0.9]) == (2, "upper edge")
    assert grid_position([1, 2, 3], [0.4, 0.9, 0.5]) == (1, "interior")
    with pytest.raises(ValueError, match="increase"):
        grid_position([2, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="one score per"):
        grid_position([1, 2], [0.1])


def test_search_until_interior_extends_past_an_edge(monkeypatch):
    """A fake scorer whose best is at 1e-3: a grid starting at 1e-2 must grow downwards to reach it."""
    import lib.search as search

    def fake_compare(methods, *args, seeds=(0,), **kwargs):
        return [{"method": v, "seed": s, "val_acc": 1.0 - abs(np.log10(v) + 3)} for v in methods for s in seeds]
    monkeypatch.setattr(search, "compare_methods", fake_compare)
    x, t = tiny_data()
    res = search.search_until_interior("weight_decay_lambda", (1e-2, 3e-2, 1e-1), x, t, x, t, seeds=(0, 1))
    assert res["finished"] and res["position"] == "interior" and res["best"] == 1e-3
    assert res["rounds"][0][2] == "lower edge" and res["values"][0] < 1e-3
    assert all(v in (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1) for v in res["values"])   # round numbers
    assert max(res["tied"]) >= res["best"]
    stopped = search.search_until_interior("weight_decay_lambda", (1e-2, 3e-2, 1e-1), x, t, x, t,
                                           limits=(5e-3, None), seeds=(0,))
    assert not stopped["finished"] and stopped["position"] == "lower edge"   # the limit ends the search


def test_search_until_interior_trains_for_real():
    from lib.search import search_until_interior
    x, t = tiny_data()
    res, printed = quiet(search_until_interior, "dropout_ratio", (0.1, 0.2), x[:40], t[:40], x[40:], t[40:],
                         fixed={"lr": 0.1}, scale="linear", limits=(0.05, 0.3), seeds=(0,), epochs=2,
                         hidden_size_list=[8], max_rounds=2)
    assert "round 1" in printed and set(res["values"]) >= {0.1, 0.2}
    assert all(r["value"] in res["values"] for r in res["records"])


def test_paired_verdict_judges_the_differences_not_the_spread_of_each_method():
    from lib.search import paired_verdict
    # Two methods that vary a lot from seed to seed, but a is ahead by about 0.01 on every seed:
    base = np.array([0.70, 0.80, 0.75, 0.85, 0.78])
    a = base + np.array([0.011, 0.009, 0.010, 0.012, 0.008])
    v = paired_verdict(a, base)
    assert v["verdict"] == "better" and v["higher"] == 5 and v["n"] == 5
    d = a - base
    assert v["mean"] == pytest.approx(d.mean()) and v["sd"] == pytest.approx(d.std(ddof=1))
    assert v["se"] == pytest.approx(d.std(ddof=1) / np.sqrt(5))
    assert (v["low"], v["high"]) == pytest.approx((d.mean() - 2 * v["se"], d.mean() + 2 * v["se"]))
    assert paired_verdict(base, a)["verdict"] == "worse"
    # A mean difference inside two standard errors of the differences is no clear difference
    noisy = base + np.array([0.03, -0.02, 0.01, -0.01, 0.0])
    assert paired_verdict(noisy, base)["verdict"] == "no clear difference"
    with pytest.raises(ValueError, match="same length"):
        paired_verdict([0.1, 0.2], [0.1, 0.2, 0.3])


def test_run_one_marks_equal_shorter_runs():
    """The accuracies at a mark of a long run are those of a run that stops there (the same seed)."""
    x, t = tiny_data(90)
    data = (x[:50], t[:50], x[50:70], t[50:70])
    for settings in ({"lr": 0.1}, {"lr": 0.1, "dropout_ratio": 0.2}):
        long = run_one(*data, settings, seed=1, epochs=12, hidden_size_list=[8], batch_size=10,
                       x_test=x[70:], t_test=t[70:], marks=(6, 12))
        short = run_one(*data, settings, seed=1, epochs=6, hidden_size_list=[8], batch_size=10,
                        x_test=x[70:], t_test=t[70:])
        assert set(long["at"]) == {6, 12}
        assert long["at"][6] == {k: short[k] for k in ("train_acc", "val_acc", "test_acc")}
        assert long["at"][12]["val_acc"] == long["val_acc"]
    # early stopping: marks after the stop get the kept weights' accuracies
    early = run_one(*data, {"lr": 0.1, "patience": 2}, seed=0, epochs=40, hidden_size_list=[8], batch_size=10,
                    marks=(40,))
    assert early["at"][40]["val_acc"] == early["val_acc"]
    with pytest.raises(ValueError, match="multiple of eval_every"):
        run_one(*data, {"lr": 0.1}, epochs=12, hidden_size_list=[8], eval_every=4, marks=(6,))


def test_comparison_figure_differences_panel():
    """The paired-differences panel plots method - baseline per seed around a line at 0."""
    from lib.plots import comparison_figure
    records = [{"method": m, "seed": s, "val_acc": 0.8 + 0.01 * s + (0.005 if m == "L2" else 0.0)}
               for m in ("none", "L2") for s in range(4)]
    fig = comparison_figure(records, keys=("val_acc",), differences=True)
    assert len(fig.axes) == 2
    diff_ax = fig.axes[1]
    ys = np.concatenate([line.get_ydata() for line in diff_ax.lines if len(line.get_ydata()) == 1])
    assert np.allclose(ys[:4], 0.005)
    # the legend beside the differences panel names its own entries and the accuracy panels' ones
    labels = [t.get_text() for t in diff_ax.get_legend().get_texts()]
    assert sorted(labels) == sorted(["seed 0", "seed 1", "seed 2", "seed 3", "validation: mean ± 1 sd",
                                     "validation: mean of 'none'", "differences: mean ± 2 SE",
                                     "differences: 0 (no difference)"])
    plain = comparison_figure(records, keys=("val_acc",))
    assert len(plain.axes) == 1
    assert {"mean ± 1 sd", "mean of 'none'"} <= {t.get_text() for t in plain.axes[0].get_legend().get_texts()}
