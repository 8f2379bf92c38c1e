"""The exercise checks of chapter 2 (lib/exercises/penalties.py): right answers pass, and each
typical mistake fails with its own diagnosis, without raising."""
import numpy as np
import pytest

from lib.exercises.penalties import (check_border_lambda, check_elastic_net, check_l1_subgradient,
                                    check_l2_penalty_gradient, check_zeroed_first, reference_border_lambda,
                                    reference_elastic_net)


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
    from lib.exercises.penalties import check_lam_for_budget
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
    from lib.exercises.penalties import check_lam_for_budget
    result, out = run(check_lam_for_budget, fn, capsys)
    assert result is False and "❌" in out and says in out, out


# --------------------------------------------------- exercise 3: the lambda that clears the border

def _blank(x):
    return np.all(x == 0, axis=0)


@pytest.mark.parametrize("fn, says", [
    (stub, "not written yet (a hint)"),
    (lambda W1, x, lr, T: None, "did you forget `return`"),
    (lambda W1, x, lr, T: np.abs(W1[_blank(x)]).mean() / (lr * T), "the mean weight's λ"),
    (lambda W1, x, lr, T: np.abs(W1).max() / (lr * T), "only the blank pixels' weights"),
    (lambda W1, x, lr, T: np.abs(W1[np.any(x == 0, axis=0)]).max() / (lr * T), "0 in *some* image"),
    (lambda W1, x, lr, T: np.abs(W1[_blank(x)]).max() / T, "you left out the learning rate"),
    (lambda W1, x, lr, T: np.abs(W1[_blank(x)]).max() / lr, "you left out the steps"),
    (lambda W1, x, lr, T: W1[_blank(x)].max() / (lr * T), "np.abs"),
    (lambda W1, x, lr, T: np.abs(W1[np.all(x == 0, axis=1)]).max() / (lr * T), "one column per pixel"),
    (lambda W1, x, lr, T: np.abs(W1[_blank(x)]).max() / (0.01 * 603), "use the arguments lr and steps"),
    (lambda W1, x, lr, T: 0.03, "expected"),
])
def test_border_lambda_diagnoses(fn, says, capsys):
    """Each mistake is caught on the hidden cases, before any training."""
    result, out = run(check_border_lambda, fn, capsys)
    assert result is False and says in out, out
    assert "Verifying it by training" not in out


def test_border_lambda_reference_is_the_largest_blank_weight_over_the_budget():
    x = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    W1 = np.array([[0.2, -5.0], [9.0, 9.0], [-0.4, 0.1]])
    assert reference_border_lambda(W1, x, 0.1, 8) == pytest.approx(5.0 / 0.8)   # pixel 1 is lit


# ------------------------------------------------------------------- exercise 6: elastic net

def elastic(l1_part, l2_part, bias=False):
    """An elastic net built from per-weight parts l1_part(W, l1) and l2_part(W, l2) -> (value, grad)."""
    def fn(params, l1, l2):
        value, grads = 0.0, {}
        for k, p in params.items():
            if k.startswith("W") or bias:
                v1, g1 = l1_part(p, l1)
                v2, g2 = l2_part(p, l2)
                value, grads[k] = value + v1 + v2, g1 + g2
            else:
                grads[k] = np.zeros_like(p)
        return value, grads
    return fn


L1_RIGHT = lambda W, l1: (l1 * np.abs(W).sum(), l1 * np.sign(W))       # noqa: E731
L2_RIGHT = lambda W, l2: (0.5 * l2 * (W * W).sum(), l2 * W)             # noqa: E731


def test_elastic_net_parts_give_the_reference():
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=2)}
    ours, ref = elastic(L1_RIGHT, L2_RIGHT)(params, 0.1, 0.2), reference_elastic_net(params, 0.1, 0.2)
    assert ours[0] == pytest.approx(ref[0])
    assert all(np.allclose(ours[1][k], ref[1][k]) for k in params)


@pytest.mark.parametrize("fn, says", [
    (stub, "not written yet (a hint)"),
    (lambda p, l1, l2: None, "did you forget `return`"),
    (lambda p, l1, l2: {k: 0 * v for k, v in p.items()}, "return a pair"),
    (elastic(L1_RIGHT, L2_RIGHT, bias=True), "you penalized the bias"),
    (elastic(lambda W, l1: (l1 * np.abs(W).sum(), l1 * W), L2_RIGHT), "that is the L2 gradient"),
    (elastic(L1_RIGHT, lambda W, l2: (l2 * (W * W).sum(), l2 * W)), "lacks the ½"),
    (elastic(L1_RIGHT, lambda W, l2: (0.5 * l2 * (W * W).sum(), 0.5 * l2 * W)), "half the right one"),
    (elastic(L1_RIGHT, lambda W, l2: (0.0, 0 * W)), "no L2 part"),
    (elastic(lambda W, l1: (0.0, 0 * W), L2_RIGHT), "no L1 part"),
    (lambda p, l1, l2: (reference_elastic_net(p, l1, l2)[0],
                        {k: v for k, v in reference_elastic_net(p, l1, l2)[1].items() if k[0] == "W"}),
     "the biases get a gradient too"),
    (lambda p, l1, l2: (reference_elastic_net(p, l1, l2)[0],
                        {k: -v for k, v in reference_elastic_net(p, l1, l2)[1].items()}), "wrong sign"),
    (elastic(lambda W, l1: (l1 * np.abs(W).sum(), l1 * np.abs(W)), L2_RIGHT), "its slope is l1·sign(w)"),
    (lambda p, l1, l2: reference_elastic_net(p, l1, l2)[::-1], "the other way round"),
    (lambda p, l1, l2: (reference_elastic_net({k: v.copy() for k, v in p.items()}, l1, l2),
                        p["W1"].__imul__(0.5))[0], "changed the arrays"),
])
def test_elastic_net_diagnoses(fn, says, capsys):
    """Each mistake is caught before the gradient check and the training."""
    result, out = run(check_elastic_net, fn, capsys)
    assert result is False and says in out, out
    assert "Step 3" not in out
