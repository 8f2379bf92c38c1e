"""lib/polyfit.py (the polynomial example of chapter 1) and lib/exercises/overfitting.py."""
import io
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest

from lib import polyfit as pf
from lib.exercises import overfitting as co


# ------------------------------------------------------------------------------ polyfit

def test_make_data_is_seeded_and_adding_points_keeps_the_old_ones():
    x12, y12 = pf.make_data(12, seed=0)
    x13, y13 = pf.make_data(13, seed=0)
    np.testing.assert_array_equal(x13[:12], x12)
    np.testing.assert_array_equal(y13[:12], y12)
    x_again, _ = pf.make_data(12, seed=0)
    np.testing.assert_array_equal(x_again, x12)
    assert not np.array_equal(pf.make_data(12, seed=1)[0], x12)
    assert x12.min() >= 0 and x12.max() <= 1
    x0, y0 = pf.make_data(20, noise=0.0)
    np.testing.assert_allclose(y0, np.sin(2 * np.pi * x0))


def test_high_degrees_fit_without_warnings_and_interpolate():
    x, y = pf.make_data(16, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # RankWarning or overflow would fail here
        p = pf.fit(x, y, 15)
    assert pf.mse(p, x, y) < 1e-12              # degree n - 1 passes through every point


def test_training_error_never_rises_with_the_degree():
    x, y = pf.make_data(12)
    x_test, y_test = pf.make_test()
    degrees, train_err, test_err = pf.errors_by_degree(x, y, x_test, y_test)
    assert list(degrees) == list(range(12))
    assert np.all(np.diff(train_err) <= 1e-12)
    assert test_err[-1] > 10 * test_err.min()   # the interpolating polynomial overfits


def test_mse_is_the_mean_of_squares():
    p = np.polynomial.Polynomial([1.0, 2.0])    # 1 + 2x
    assert pf.mse(p, [0.0, 1.0], [0.0, 0.0]) == pytest.approx((1 + 9) / 2)


@pytest.mark.parametrize("call, message", [
    (lambda: pf.fit([0.1, 0.2, 0.3], [1, 2, 3], 3), "degree=3 needs at least 4 distinct x values"),
    (lambda: pf.fit([0.1, 0.2], [1, 2, 3], 1), "different lengths"),
    (lambda: pf.fit([0.1, np.nan], [1, 2], 1), "finite"),
    (lambda: pf.fit([0.1, 0.2], [1, 2], -1), "degree"),
    (lambda: pf.make_data(1), "n must be"),
    (lambda: pf.make_data(10, noise=-1), "noise must be"),
    (lambda: pf.PolyfitPanel(n_points=5, degree=7), "degree must be"),
])
def test_bad_input_says_what_is_wrong(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_figures_and_panel():
    from matplotlib.figure import Figure
    assert isinstance(pf.fit_figure(12, 3), Figure)
    assert isinstance(pf.degrees_figure((1, 11)), Figure)
    panel = pf.polyfit_panel(12, 3)
    first = panel.image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    panel.set(degree=9)
    assert panel.image.value != first
    panel.set(n_points=6)                       # degree 9 is impossible with 6 points: clamped to 5
    assert panel.controls["degree"].value == 5 and panel.controls["degree"].max == 5
    panel.set(n_points=30, degree=15)
    assert panel.controls["degree"].value == 15
    with pytest.raises(ValueError, match="unknown setting"):
        panel.set(width=3)


# ------------------------------------------------------------------ exercise checks: wrong answers

def _verdict(check, fn):
    out = io.StringIO()
    with redirect_stdout(out):
        result = check(fn)
    return result, out.getvalue()


def _gap(h):
    return np.array(h["train_acc"]) - np.array(h["test_acc"])


def _peak(h):
    return h["epoch"][int(np.argmax(h["test_acc"]))]


def _degrees(x, y, xv, yv, m, on_train=False, reduce=np.mean):
    xs, ys = (x, y) if on_train else (xv, yv)
    e = np.array([reduce((pf.fit(x, y, d)(xs) - ys) ** 2) for d in range(m + 1)])
    return int(np.argmin(e)), e


def _split(data, n_val, seed, source="train", shuffle=True):
    x, t = data[source]
    idx = np.random.default_rng(seed).permutation(len(x)) if shuffle else np.arange(len(x))
    out = {"train": data["train"], "test": data["test"]}
    out["val"] = (x[idx[:n_val]], t[idx[:n_val]])
    out[source] = (x[idx[n_val:]], t[idx[n_val:]])
    return out


@pytest.mark.parametrize("check, fn, expected", [
    (co.check_train_test_gap, _gap, None),
    (co.check_train_test_gap, lambda h: -_gap(h), "wrong sign"),
    (co.check_train_test_gap, lambda h: np.abs(_gap(h)), "absolute value"),
    (co.check_train_test_gap, lambda h: _gap(h)[-1], "only the last"),
    (co.check_train_test_gap, lambda h: 100 * _gap(h), "percent"),
    (co.check_train_test_gap, lambda h: np.array(h["train_loss"]) - np.array(h["test_loss"]), "losses"),
    (co.check_peak_epoch, _peak, None),
    (co.check_peak_epoch, lambda h: int(np.argmax(h["test_acc"])), "position in the list"),
    (co.check_peak_epoch, lambda h: int(np.argmax(h["test_acc"])) + 1, "position + 1"),
    (co.check_peak_epoch, lambda h: max(h["test_acc"]), "accuracy itself"),
    (co.check_peak_epoch, lambda h: h["epoch"][int(np.argmax(h["train_acc"]))], "TRAINING"),
    (co.check_peak_epoch, lambda h: h["epoch"][len(h["test_acc"]) - 1 - int(np.argmax(h["test_acc"][::-1]))],
     "earliest"),
    (co.check_choose_degree, _degrees, None),
    (co.check_choose_degree, lambda *a: _degrees(*a, on_train=True), "TRAINING"),
    (co.check_choose_degree, lambda *a: _degrees(*a, reduce=np.sum), "summed"),
    (co.check_choose_degree, lambda *a: (lambda b, e: (b, np.sqrt(e)))(*_degrees(*a)), "square root"),
    (co.check_choose_degree, lambda *a: (lambda b, e: (e.min(), e))(*_degrees(*a)), "smallest error"),
    (co.check_choose_degree, lambda x, y, xv, yv, m: _degrees(x, y, xv, yv, m - 1), "range(max_degree + 1)"),
    (co.check_split_validation, _split, None),
    (co.check_split_validation, lambda d, n, s: _split(d, n, s, source="test"), "TEST set"),
    (co.check_split_validation, lambda d, n, s: _split(d, n, s, shuffle=False), "first (or last)"),
    (co.check_split_validation, lambda d, n, s: _split(d, n, 0), "seed=0 and seed=1"),
    (co.check_split_validation, lambda d, n, s: _split(d, n, int(np.random.randint(10**6))), "different splits"),
])
def test_checks_diagnose_mistakes(check, fn, expected):
    result, printed = _verdict(check, fn)
    if expected is None:
        assert result is True and "✅" in printed, printed
    else:
        assert result is False and "❌" in printed and expected in printed, printed


def test_checks_never_raise_on_odd_results():
    for check in (co.check_train_test_gap, co.check_peak_epoch, co.check_choose_degree,
                  co.check_split_validation):
        for odd in ("text", {"a": 1}, [1, 2, 3], object(), 3.5):
            result, printed = _verdict(check, lambda *args, odd=odd: odd)
            assert result is False and "❌" in printed
