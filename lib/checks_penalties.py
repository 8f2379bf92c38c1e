"""Checks for the exercises of chapter 2 (notebooks/02_l1_l2_penalties.ipynb).

    check_l2_penalty_gradient(fn)   fn(params, lam) -> {key: gradient of (lam/2) sum W^2}, biases 0
    check_l1_subgradient(fn)        fn(W, lam) -> lam * sign(W)
    check_soft_threshold(fn)        fn(w, threshold) -> sign(w) * max(|w| - threshold, 0)
    check_zeroed_first(fn)          fn(c, a, k) -> the k weights that L1 sets to 0 first
    check_lam_for_budget(fn)        fn(budget, lr, steps) -> the lambda with lr * lambda * steps = budget

Each check runs the reader's function on hidden cases, prints ✅ or ❌ with a specific diagnosis
and returns True or False.  It never raises.
"""
import numpy as np

from .checks import Wrong, call, compare, verdict


def _numbers(value, what):
    """The reader's result as a float array, or Wrong."""
    if value is None:
        raise Wrong(f"{what} is None: did you forget `return`?")
    if isinstance(value, dict):
        raise Wrong(f"{what} should be an array, got a dict")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Wrong(f"{what} should be an array of numbers, got {type(value).__name__}") from None


def _same(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-12)


# ------------------------------------------------------------------------------ exercise 1: L2

def _hidden_params(rng):
    return {"W1": rng.normal(0, 0.5, (5, 4)), "b1": rng.normal(0, 0.5, 4),
            "W2": rng.normal(0, 0.5, (4, 3)), "b2": rng.normal(0, 0.5, 3)}


def check_l2_penalty_gradient(fn):
    """fn(params, lam): for the penalty (lam/2) * sum over weight matrices of W**2, return a dict
    with the same keys as params: lam * W for the weights ('W...'), zeros for the biases ('b...')."""
    def check():
        rng = np.random.default_rng(21)
        for lam in (0.1, 0.37):
            params = _hidden_params(rng)
            before = {k: v.copy() for k, v in params.items()}
            got = call(fn, params, lam)
            if not all(np.array_equal(params[k], before[k]) for k in params):
                raise Wrong("your function changed the arrays in `params`; return new arrays and leave "
                            "the parameters alone (the optimizer changes them, not the gradient)")
            if got is None:
                raise Wrong("the result is None: did you forget `return`?")
            if not isinstance(got, dict):
                raise Wrong(f"return a dict with the same keys as params ({', '.join(params)}), "
                            f"got {type(got).__name__}")
            missing = [k for k in params if k not in got]
            extra = [k for k in got if k not in params]
            if missing:
                hint = " (the biases get a gradient too: zeros)" if all(k.startswith("b") for k in missing) else ""
                raise Wrong(f"keys {missing} are missing from your dict{hint}")
            if extra:
                raise Wrong(f"your dict has keys that params does not have: {extra}")
            for key, p in params.items():
                g = _numbers(got[key], f"the gradient for {key!r}")
                if g.shape != p.shape:
                    raise Wrong(f"the gradient for {key!r} has shape {g.shape}, expected {p.shape} "
                                "(the same shape as the parameter)")
                if key.startswith("b"):
                    if _same(g, lam * p):
                        raise Wrong(f"you penalized the bias {key!r}: the penalty sums over the weight "
                                    "matrices only, so its gradient for a bias is 0")
                    compare(g, np.zeros_like(p), f"the gradient for the bias {key!r} (should be all 0)")
                    continue
                if _same(g, p) and lam != 1:
                    raise Wrong(f"the gradient for {key!r} equals W: multiply by λ (lam)")
                if _same(g, lam * np.sign(p)):
                    raise Wrong(f"the gradient for {key!r} is λ·sign(W): that is the L1 subgradient. "
                                "For L2, differentiate (λ/2)·w² instead")
                if _same(g, 0.5 * lam * p * p) or _same(g, lam * p * p):
                    raise Wrong(f"for {key!r} you return the penalty's value per weight, not its "
                                "derivative: d/dw of (λ/2)·w² is λ·w")
                compare(g, lam * p, f"the gradient for {key!r}")
    return verdict("L2 penalty gradient", check,
                   "λ·W for every weight matrix, 0 for the biases. Added to backprop's dW, it makes the "
                   "SGD step W ← (1 − ηλ)·W − η·dE/dW: weight decay.")


# ------------------------------------------------------------------------------ exercise 2: L1

def check_l1_subgradient(fn):
    """fn(W, lam) -> lam * sign(W) (at W = 0 any value in [-lam, lam] is a subgradient)."""
    def check():
        rng = np.random.default_rng(22)
        for lam in (0.05, 0.3):
            W = rng.normal(0, 1.0, (6, 5))
            W[0, :2] = 0.0                         # exact zeros
            W[1, :2] = [3.0, -4.0]                 # large weights
            W[2, :2] = [1e-3, -2e-4]               # tiny weights
            before = W.copy()
            got = _numbers(call(fn, W, lam), "the subgradient")
            if not np.array_equal(W, before):
                raise Wrong("your function changed W in place; return a new array")
            if got.shape != W.shape:
                raise Wrong(f"the subgradient has shape {got.shape}, expected {W.shape} (one value per weight)")
            nz = W != 0
            if _same(got, lam * W):
                raise Wrong("you return λ·W: that is the L2 gradient, whose pull grows with the weight. "
                            "The L1 pull has the same size λ for every weight that is not 0")
            if _same(got[nz], np.sign(W[nz])):
                raise Wrong("you return sign(W): multiply by λ (lam)")
            if _same(got, lam * np.abs(W)):
                raise Wrong("you return λ·|W|, the penalty's value per weight; its derivative is λ·sign(W)")
            away = np.where(nz, got, 0.0)         # judge the entries at w = 0 separately, below
            compare(away, lam * np.sign(W), "the subgradient at the weights that are not 0")
            at_zero = got[~nz]
            if np.any(np.abs(at_zero) > lam * (1 + 1e-9)):
                raise Wrong(f"at w = 0 you give {at_zero[np.abs(at_zero) > lam][0]:.4g}; |w| has a kink "
                            f"there and any value between −λ and λ (here ±{lam}) is a subgradient. "
                            "np.sign(0) = 0 is the usual choice")
    return verdict("L1 subgradient", check,
                   "λ·sign(W): the same pull λ on a weight of 0.001 as on a weight of 3.")


# --------------------------------------------------------------------- exercise 3: soft threshold

def check_soft_threshold(fn):
    """fn(w, threshold) -> sign(w) * max(|w| - threshold, 0), elementwise, any shape."""
    def check():
        w = np.array([[-2.0, -0.5, -0.1, 0.0], [0.05, 0.2, 0.3, 1.5]])
        for t in (0.25, 0.0, 1.0):
            expected = np.sign(w) * np.maximum(np.abs(w) - t, 0)
            got = _numbers(call(fn, w.copy(), t), f"the result for threshold {t}")
            if got.shape != w.shape:
                raise Wrong(f"the result has shape {got.shape}, expected {w.shape} (the shape of w)")
            if _same(got, expected):
                continue
            small = (np.abs(w) < t) & (w != 0)
            if np.any(small) and _same(got, w - t * np.sign(w)):
                raise Wrong(f"with threshold {t}, the weight {w[small][0]} came out as "
                            f"{(w - t * np.sign(w))[small][0]:.4g}: it crossed zero. A weight smaller "
                            "than the threshold must stop at exactly 0 (clip: max(|w| − t, 0))")
            if _same(got, np.where(np.abs(w) > t, w, 0.0)):
                raise Wrong("you set the small weights to 0 but left the large ones as they are (a hard "
                            "threshold); the soft threshold also moves every large weight toward 0 by t")
            pos, neg = w > 0, w < 0
            if _same(got[pos], expected[pos]) and not _same(got[neg], expected[neg]):
                raise Wrong(f"right for positive weights, wrong for negative ones: with threshold {t}, "
                            f"w = {w[neg][0]} should give {expected[neg][0]:.4g}, you give {got[neg][0]:.4g}. "
                            "Shrink |w| and keep the sign")
            compare(got, expected, f"the result for threshold {t}")
    return verdict("soft threshold", check,
                   "every weight moves t toward 0 and the ones within t of 0 land exactly on 0.")


# ------------------------------------------------------------------ exercise 4: which goes first

def check_zeroed_first(fn):
    """fn(c, a, k): for E(w) = sum_i a_i/2 (w_i - c_i)^2 + lam sum_i |w_i|, the k indices that become
    exactly 0 first as lam grows from 0, first first.  w_i = 0 once lam >= a_i |c_i|."""
    def check():
        cases = [
            # |c| alone, a alone and a|c| all give different orders here
            (np.array([1.0, -0.4, 9.0, 0.35, -1.5, 0.8]), np.array([0.5, 2.0, 0.1, 3.0, 1.0, 0.3]), 3),
            (np.array([0.5, -3.0, 0.2, 1.2, -0.05, 2.5, -0.9]), np.array([4.0, 0.1, 1.0, 0.3, 30.0, 1.0, 2.0]), 4),
        ]
        for c, a, k in cases:
            cost = a * np.abs(c)
            expected = np.argsort(cost, kind="stable")[:k]
            raw = call(fn, c.copy(), a.copy(), k)
            got = _numbers(raw, "the result")
            if got.ndim != 1:
                raise Wrong(f"return a 1-D array of {k} indices, got shape {got.shape}")
            if len(got) == 0:
                raise Wrong("you returned no index, but L1 does set weights to exactly 0: weight i is "
                            "0 once λ ≥ a_i·|c_i| (it is L2 that never reaches 0)")
            if len(got) != k:
                raise Wrong(f"return exactly k = {k} indices, got {len(got)}")
            if _same(np.sort(got), np.sort(c[expected])) or _same(np.sort(got), np.sort(np.abs(c[expected]))):
                raise Wrong("you returned weight values; return their indices (positions), e.g. from np.argsort")
            if not np.all(got == np.round(got)) or got.min() < 0 or got.max() >= len(c):
                raise Wrong(f"indices must be whole numbers from 0 to {len(c) - 1}, got {raw!r}")
            got = got.astype(int)
            if np.array_equal(got, expected):
                continue
            if set(got.tolist()) == set(expected.tolist()):
                raise Wrong(f"the right {k} weights, in the wrong order: list them in the order in which "
                            "they reach 0 as λ grows (smallest threshold a_i·|c_i| first)")
            if set(got.tolist()) == set(np.argsort(np.abs(c), kind="stable")[:k].tolist()):
                raise Wrong("you ranked by |c| alone. The curvature a matters too: where the loss is flat "
                            "(small a), moving the weight to 0 costs little, so L1 wins sooner. Compare the "
                            "data's pull at w = 0, a·|c|, with λ")
            if set(got.tolist()) == set(np.argsort(a, kind="stable")[:k].tolist()):
                raise Wrong("you ranked by the curvature a alone; the distance |c| to the optimum counts "
                            "too: the data's pull at w = 0 is a·|c|")
            if set(got.tolist()) == set(np.argsort(-cost, kind="stable")[:k].tolist()):
                raise Wrong("those are the weights L1 zeroes last: the ones with the largest a·|c|")
            raise Wrong(f"for c = {c.tolist()}, a = {a.tolist()} and k = {k} you give {got.tolist()}; "
                        f"expected {expected.tolist()}. Hint: at the optimum, w_i = sign(c_i)·max(|c_i| − λ/a_i, 0)")
    return verdict("which weights L1 zeroes first", check,
                   "weight i stays at 0 once λ ≥ a_i·|c_i|, the data's pull at w = 0; the weakest pull goes first.")


# ------------------------------------------------------------- exercise 5: lambda from a budget

BOOK_EPOCHS, BOOK_STEPS_PER_EPOCH = 201, 3   # the chapter's run: 201 epochs of 3 batches = 603 steps


def check_lam_for_budget(fn):
    """fn(budget, lr, steps) -> budget / (lr * steps): the lambda whose decay budget lr*lam*steps is
    `budget`.  Diagnoses: the steps or the learning rate left out, multiplying instead of dividing,
    `budget / lr * steps` (Python reads it as (budget / lr) * steps), the chapter's global epochs
    (201) or steps (603) used instead of the argument."""
    def check():
        cases = [(0.6, 0.05, 500), (0.1809, 0.1, 603), (0.0181, 0.01, 1206), (0.3, 0.1, 6000)]
        got_all = []
        for budget, lr, steps in cases:
            raw = call(fn, budget, lr, steps)
            if raw is None:
                raise Wrong("the result is None: did you forget `return`?")
            try:
                got = float(np.asarray(raw, dtype=np.float64))
            except (TypeError, ValueError):
                raise Wrong(f"return one number (λ), got {type(raw).__name__} {raw!r}") from None
            if not np.isfinite(got):
                raise Wrong(f"for budget {budget}, η = {lr}, T = {steps} you return {got}")
            got_all.append(got)
            expected = budget / (lr * steps)
            if np.isclose(got, expected, rtol=1e-6):
                continue
            case = f"for budget {budget}, η = {lr} and T = {steps} steps you return {got:.4g}, expected {expected:.4g}: "
            if np.isclose(got, budget / lr, rtol=1e-6):
                raise Wrong(case + "you left out the steps. The budget η·λ·T counts every step of the run, "
                            "so λ = budget / (η·T)")
            if np.isclose(got, budget / steps, rtol=1e-6):
                raise Wrong(case + "you left out the learning rate. One SGD step shrinks a weight by η·λ, "
                            "not by λ: λ = budget / (η·T)")
            if np.isclose(got, budget * lr * steps, rtol=1e-6):
                raise Wrong(case + "you multiplied. budget = η·λ·T, so solve for λ: divide the budget by η·T")
            if np.isclose(got, budget / lr * steps, rtol=1e-6):
                raise Wrong(case + "Python reads `budget / lr * steps` as (budget / lr) · steps; "
                            "write budget / (lr * steps)")
            if np.isclose(got, budget / (lr * BOOK_EPOCHS), rtol=1e-6):
                raise Wrong(case + f"you divided by {BOOK_EPOCHS}, the chapter's number of epochs (EPOCHS?). "
                            f"T counts SGD steps, not epochs ({BOOK_EPOCHS} epochs of {BOOK_STEPS_PER_EPOCH} "
                            "batches are 603 steps), and use the argument `steps`, not a global")
            if np.isclose(got, budget / (lr * steps / BOOK_STEPS_PER_EPOCH), rtol=1e-6):
                raise Wrong(case + f"you turned the steps into epochs (÷ {BOOK_STEPS_PER_EPOCH}). "
                            "T counts SGD steps: use `steps` as it is")
            if np.isclose(got, budget / (lr * BOOK_EPOCHS * BOOK_STEPS_PER_EPOCH), rtol=1e-6):
                raise Wrong(case + "you used the chapter's 603 steps (STEPS?) instead of the argument `steps`")
            if np.isclose(got, -np.log(1 - budget) / (lr * steps), rtol=1e-6) or \
                    np.isclose(got, (1 - np.exp(-budget / steps)) / lr, rtol=1e-6):
                raise Wrong(case + "the decay budget is defined as the plain product η·λ·T "
                            "(`decay_budget` in lib.penalties); no logarithm or exponential is needed")
            raise Wrong(case + "the decay budget is η·λ·T, so λ = budget / (η·T)")
        if len(set(got_all)) == 1:
            raise Wrong("you return the same λ whatever the arguments")
    return verdict("λ from a decay budget", check,
                   "λ = budget / (η·T). The chosen L2 budget of this chapter, 0.181, is λ = 0.03 at η = 0.01 "
                   "and λ = 0.003 at η = 0.1 for the same 603 steps: a tenfold larger learning rate needs a "
                   "tenfold smaller λ.")
