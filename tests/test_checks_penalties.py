"""The exercise checks of chapter 2 (lib/checks_penalties.py): right answers pass, and each
typical mistake fails with its own diagnosis, without raising."""
import numpy as np
import pytest

from lib.checks_penalties import (check_l1_subgradient, check_l2_penalty_gradient, check_soft_threshold,
                                  check_zeroed_first)


def run(check, fn, capsys):
    result = check(fn)
    return result, capsys.readouterr().out


def stub(*args):
    raise NotImplementedError("a hint")


def l2_right(params, lam):
    return {k: lam * v if k.startswith("W") else np.zeros_like(v) for k, v in params.items()}


@pytest.mark.parametrize("fn, says", [
    (stub, "not written yet (a hint)"),
    (lambda p, lam: None, "did you forget `return`"),
    (lambda p, lam: [1, 2], "return a dict"),
    (lambda p, lam: {k: (2 * lam * v if k[0] == "W" else 0 * v) for k, v in p.items()}, "2 times the right value"),
    (lambda p, lam: {k: (0.5 * lam * v if k[0] == "W" else 0 * v) for k, v in p.items()}, "0.5 times the right value"),
    (lambda p, lam: {k: (-lam * v if k[0] == "W" else 0 * v) for k, v in p.items()}, "wrong sign"),
    (lambda p, lam: {k: lam * v for k, v in p.items()}, "you penalized the bias"),
    (lambda p, lam: {k: lam * v for k, v in p.items() if k[0] == "W"}, "the biases get a gradient too"),
    (lambda p, lam: {k: (v if k[0] == "W" else 0 * v) for k, v in p.items()}, "multiply by λ"),
    (lambda p, lam: {k: (lam * np.sign(v) if k[0] == "W" else 0 * v) for k, v in p.items()}, "L1 subgradient"),
    (lambda p, lam: {k: (0.5 * lam * v * v if k[0] == "W" else 0 * v) for k, v in p.items()}, "value per weight"),
    (lambda p, lam: {k: (lam * v.T if k[0] == "W" else 0 * v) for k, v in p.items()}, "has shape"),
    (lambda p, lam: {k: v.__imul__(lam) for k, v in p.items()}, "changed the arrays"),
    (lambda p, lam: 1 / 0, "ZeroDivisionError"),
])
def test_l2_penalty_gradient_diagnoses(fn, says, capsys):
    result, out = run(check_l2_penalty_gradient, fn, capsys)
    assert result is False and "❌" in out and says in out, out


def test_l2_penalty_gradient_accepts_the_solution(capsys):
    result, out = run(check_l2_penalty_gradient, l2_right, capsys)
    assert result is True and "✅" in out


@pytest.mark.parametrize("fn", [lambda W, lam: lam * np.sign(W),
                                lambda W, lam: np.where(W >= 0, lam, -lam)])   # lam at 0 is a subgradient too
def test_l1_subgradient_accepts_valid_subgradients(fn, capsys):
    result, out = run(check_l1_subgradient, fn, capsys)
    assert result is True and "✅" in out


@pytest.mark.parametrize("fn, says", [
    (stub, "not written yet"),
    (lambda W, lam: None, "did you forget `return`"),
    (lambda W, lam: lam * W, "that is the L2 gradient"),
    (lambda W, lam: np.sign(W), "multiply by λ"),
    (lambda W, lam: lam * np.abs(W), "penalty's value"),
    (lambda W, lam: -lam * np.sign(W), "wrong sign"),
    (lambda W, lam: 2 * lam * np.sign(W), "2 times"),
    (lambda W, lam: np.where(W >= 0, 2 * lam, -lam), "is wrong: at index"),
    (lambda W, lam: np.where(W > 0, lam, np.where(W < 0, -lam, 5 * lam)), "at w = 0 you give"),
])
def test_l1_subgradient_diagnoses(fn, says, capsys):
    result, out = run(check_l1_subgradient, fn, capsys)
    assert result is False and says in out, out


def test_soft_threshold_accepts_the_solution_and_lib(capsys):
    from lib.penalties import soft_threshold
    for fn in (lambda w, t: np.sign(w) * np.maximum(np.abs(w) - t, 0), soft_threshold):
        result, out = run(check_soft_threshold, fn, capsys)
        assert result is True and "✅" in out


@pytest.mark.parametrize("fn, says", [
    (stub, "not written yet"),
    (lambda w, t: None, "did you forget `return`"),
    (lambda w, t: w - t * np.sign(w), "crossed zero"),
    (lambda w, t: np.where(np.abs(w) > t, w, 0.0), "hard"),
    (lambda w, t: np.maximum(w - t, 0), "wrong for negative ones"),
    (lambda w, t: w.ravel(), "has shape"),
])
def test_soft_threshold_diagnoses(fn, says, capsys):
    result, out = run(check_soft_threshold, fn, capsys)
    assert result is False and says in out, out


def test_zeroed_first_accepts_the_solution(capsys):
    result, out = run(check_zeroed_first, lambda c, a, k: np.argsort(a * np.abs(c), kind="stable")[:k], capsys)
    assert result is True and "✅" in out


@pytest.mark.parametrize("fn, says", [
    (stub, "not written yet"),
    (lambda c, a, k: None, "did you forget `return`"),
    (lambda c, a, k: np.argsort(np.abs(c))[:k], "ranked by |c| alone"),
    (lambda c, a, k: np.argsort(a)[:k], "curvature a alone"),
    (lambda c, a, k: np.argsort(-a * np.abs(c))[:k], "zeroes last"),
    (lambda c, a, k: np.argsort(a * np.abs(c))[:k][::-1], "wrong order"),
    (lambda c, a, k: c[np.argsort(a * np.abs(c))[:k]], "return their indices"),
    (lambda c, a, k: [], "L2 that never reaches 0"),
    (lambda c, a, k: np.argsort(a * np.abs(c))[:k + 1], "exactly k"),
])
def test_zeroed_first_diagnoses(fn, says, capsys):
    result, out = run(check_zeroed_first, fn, capsys)
    assert result is False and says in out, out


# ------------------------------------------------------------------------- exercise 5

def test_lam_for_budget_accepts_the_solution(capsys):
    from lib.checks_penalties import check_lam_for_budget
    from lib.penalties import decay_budget
    result, out = run(check_lam_for_budget, lambda budget, lr, steps: budget / (lr * steps), capsys)
    assert result is True and "✅" in out
    # the solution is the inverse of lib's decay_budget
    assert np.isclose(decay_budget(0.1, 0.1809 / (0.1 * 603), 603), 0.1809)


@pytest.mark.parametrize("fn, says", [
    (stub, "not written yet (a hint)"),
    (lambda b, lr, T: None, "did you forget `return`"),
    (lambda b, lr, T: b / lr, "you left out the steps"),
    (lambda b, lr, T: b / T, "you left out the learning rate"),
    (lambda b, lr, T: b * lr * T, "you multiplied"),
    (lambda b, lr, T: b / lr * T, "(budget / lr) · steps"),
    (lambda b, lr, T: b / (lr * 201), "T counts SGD steps, not epochs"),
    (lambda b, lr, T: b / (lr * T / 3), "you turned the steps into epochs"),
    (lambda b, lr, T: b / (lr * 603), "instead of the argument `steps`"),
    (lambda b, lr, T: -np.log(1 - b) / (lr * T), "plain product"),
    (lambda b, lr, T: 2 * b / (lr * T), "λ = budget / (η·T)"),
    (lambda b, lr, T: [b, lr, T], "return one number"),
    (lambda b, lr, T: 0.03, "expected"),
    (lambda b, lr, T: 1 / 0, "ZeroDivisionError"),
])
def test_lam_for_budget_diagnoses(fn, says, capsys):
    from lib.checks_penalties import check_lam_for_budget
    result, out = run(check_lam_for_budget, fn, capsys)
    assert result is False and "❌" in out and says in out, out
