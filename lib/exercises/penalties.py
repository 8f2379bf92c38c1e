"""Checks for the exercises of chapter 2 (notebooks/02_l1_l2_penalties.ipynb).

    check_l2_penalty_gradient(fn)   fn(params, lam) -> {key: gradient of (lam/2) sum W^2}, biases 0
    check_l1_subgradient(fn)        fn(W, lam) -> lam * sign(W)
    check_border_lambda(fn)         fn(W1, x, lr, steps) -> the L1 lambda (proximal) that clears the
                                    weights of the pixels blank in every image; then trains to verify
    check_zeroed_first(fn)          fn(c, a, k) -> the k weights that L1 sets to 0 first
    check_lam_for_budget(fn)        fn(budget, lr, steps) -> the lambda with lr * lambda * steps = budget
    check_elastic_net(fn)           fn(params, l1, l2) -> (penalty value, gradients): checked on hidden
                                    cases, gradient-checked in a float64 network, trained on the book's run

Each check runs the reader's function on hidden cases, prints ✅ or ❌ with a specific diagnosis
and returns True or False.  It never raises.
"""
import numpy as np

from ..data import load_mnist
from ..net import MultiLayerNet
from ..progress import epoch_status
from ..train import TrainingDiverged, train
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


# ---------------------------------------------------------- the book's run, as the chapter does it

BOOK_RUN = dict(n_train=300, epochs=201, lr=0.01, batch_size=100, seed=0)   # cell 4 of the chapter
BOOK_STEPS = BOOK_RUN["epochs"] * -(-BOOK_RUN["n_train"] // BOOK_RUN["batch_size"])


def _book_data():
    """The chapter's 300 training images and the test set."""
    (x, t), (x_test, t_test) = load_mnist()
    return x[:BOOK_RUN["n_train"]], t[:BOOK_RUN["n_train"]], x_test, t_test


def _train_book(net, x, t, x_test=None, t_test=None, what=None):
    """Train `net` the chapter's way (one status line if `what`); Wrong if it diverges."""
    try:
        return train(net, x, t, x_test, t_test, epochs=BOOK_RUN["epochs"], lr=BOOK_RUN["lr"],
                     batch_size=BOOK_RUN["batch_size"], seed=BOOK_RUN["seed"],
                     eval_every=BOOK_RUN["epochs"], eval_train=x_test is not None,
                     callback=epoch_status(what) if what else None)
    except TrainingDiverged as e:
        raise Wrong(f"training diverged: {e}") from None


# ------------------------------------------- exercise 3: predict, then verify: clear the border

def reference_border_lambda(W1, x, lr, steps):
    """The smallest L1 lambda with which proximal steps zero every weight of the blank pixels.

    A pixel that is 0 in every image gives its row of W1 no data gradient (dW1 = x.T @ dout), so
    only the soft threshold acts: lr * lam per step, lr * lam * steps over the run."""
    blank = np.all(x == 0, axis=0)
    return float(np.abs(W1[blank]).max() / (lr * steps))


def check_border_lambda(fn):
    """fn(W1, x, lr, steps) -> the smallest L1 strength (proximal method) with which every
    first-layer weight of the pixels that are 0 in every image of x is exactly 0 after `steps`
    SGD steps of learning rate lr.  First hidden cases with diagnoses (the mean instead of the
    largest weight, every pixel instead of the blank ones, the learning rate left out, ...);
    then the prediction is verified by training the book's network just above and below it."""
    def check():
        rng = np.random.default_rng(33)
        for lr, steps in ((0.01, 603), (0.1, 150)):
            lit = np.arange(12) % 3 != 0                           # pixels 0, 3, 6, 9 are blank
            x = (rng.random((40, 12)) + 0.01) * lit
            x[0, 4] = 0.0                                          # pixel 4: blank in one image only
            W1 = rng.normal(0, 0.3, (12, 7))
            W1[4] *= 10.0                                          # large weights on lit pixels
            W1[2] *= 20.0
            W1[3, 0] = -2.0                                        # the largest blank weight is negative
            expected = reference_border_lambda(W1, x.copy(), lr, steps)
            try:
                raw = call(fn, W1.copy(), x.copy(), lr, steps)
            except Wrong as e:
                if "boolean index" in str(e):
                    raise Wrong(f"{e}. x has one row per image and one column per pixel ({x.shape} "
                                f"here), W1 one row per pixel ({W1.shape}): a pixel's values over all "
                                "images are a column, np.all(x == 0, axis=0)") from None
                raise
            if raw is None:
                raise Wrong("the result is None: did you forget `return`?")
            try:
                got = float(np.asarray(raw, dtype=np.float64))
            except (TypeError, ValueError):
                raise Wrong(f"return one number (λ), got {type(raw).__name__}") from None
            if np.isclose(got, expected, rtol=1e-6):
                continue
            blank = np.all(x == 0, axis=0)
            case = f"for a hidden case (η = {lr}, T = {steps}) you return {got:.4g}, expected {expected:.4g}: "
            near = lambda value: np.isclose(got, value, rtol=1e-6)
            if near(np.abs(W1[blank]).mean() / (lr * steps)):
                raise Wrong(case + "that is the mean weight's λ: at it only about half of the blank "
                            "pixels' weights reach 0. Every one of them must, so the largest decides")
            if near(np.abs(W1).max() / (lr * steps)):
                raise Wrong(case + "you took the largest weight of every pixel. The data moves the "
                            "weights of pixels that are lit in some image; only the blank pixels' "
                            "weights are left to the penalty alone (np.all(x == 0, axis=0))")
            if near(np.abs(W1[np.any(x == 0, axis=0)]).max() / (lr * steps)):
                raise Wrong(case + "you took the pixels that are 0 in *some* image; a pixel lit in even "
                            "one image gets a data gradient. Use the pixels 0 in every image")
            if near(np.abs(W1[blank]).max() / steps):
                raise Wrong(case + "you left out the learning rate: one proximal step moves a weight "
                            "η·λ toward 0, not λ")
            if near(np.abs(W1[blank]).max() / lr):
                raise Wrong(case + "you left out the steps: the threshold η·λ is applied at every step")
            if (lr, steps) != (BOOK_RUN["lr"], BOOK_STEPS) and \
                    near(np.abs(W1[blank]).max() / (BOOK_RUN["lr"] * BOOK_STEPS)):
                raise Wrong(case + f"you used the chapter's η = {BOOK_RUN['lr']} and T = {BOOK_STEPS} "
                            "(LR, STEPS?); use the arguments lr and steps")
            if near(W1[blank].max() / (lr * steps)):
                raise Wrong(case + "you took the largest signed weight; a weight of −0.4 takes as "
                            "long to reach 0 as one of +0.4 (np.abs)")
            raise Wrong(case + "per step the soft threshold moves a weight η·λ toward 0 and the "
                        "data does not push back on a blank pixel's weight")

        x, t, _, _ = _book_data()
        net = MultiLayerNet(784, [100] * 6, 10, seed=0)
        W1 = net.params["W1"].astype(np.float64)
        lam = float(np.asarray(call(fn, W1.copy(), x.copy(), BOOK_RUN["lr"], BOOK_STEPS)))
        blank = np.all(x == 0, axis=0)
        print(f"Your λ for the book's run: {lam:.4g} ({int(blank.sum())} of 784 pixels are blank "
              f"in all {len(x)} images). Verifying it by training with 0.9 λ and 1.05 λ:")
        left = {}
        for factor in (0.9, 1.05):
            net = MultiLayerNet(784, [100] * 6, 10, seed=0, l1_lambda=factor * lam,
                                l1_method="proximal")
            _train_book(net, x, t, what=f"  proximal L1, λ = {factor:g} × yours")
            left[factor] = int(np.count_nonzero(net.params["W1"][blank]))
            print(f"  {factor:g} λ: {left[factor]} of {int(blank.sum()) * 100} blank-pixel weights "
                  f"are not 0")
        if left[1.05]:
            raise Wrong(f"with 1.05 × your λ, {left[1.05]} blank-pixel weights are still not 0")
    return verdict("the λ that clears the border", check,
                   "no data gradient reaches a blank pixel, so its weights only shrink by η·λ per "
                   "step; they are all 0 once η·λ·T passes the largest of them, and not before.")


# ----------------------------------------------- exercise 6: elastic net, from the penalty to a run

ELASTIC_RUN = dict(l1=0.002, l2=0.1)   # the book's L2 lambda plus a little L1


def reference_elastic_net(params, l1, l2):
    """(l1 * sum|W| + l2/2 * sum W**2 over the weight matrices, its gradient; 0 for biases)."""
    value = sum(l1 * np.abs(p).sum() + 0.5 * l2 * (p * p).sum()
                for k, p in params.items() if k.startswith("W"))
    grads = {k: l1 * np.sign(p) + l2 * p if k.startswith("W") else np.zeros_like(p)
             for k, p in params.items()}
    return float(value), grads


class PenaltyNet(MultiLayerNet):
    """A MultiLayerNet whose penalty is penalty_fn(params, l1, l2) -> (value, gradients)."""

    def __init__(self, penalty_fn, l1, l2, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.penalty_fn, self.strengths = penalty_fn, (l1, l2)

    def penalty(self):
        return float(self.penalty_fn(self.params, *self.strengths)[0])

    def _gradient(self, x, t):
        grads = super()._gradient(x, t)
        extra = self.penalty_fn(self.params, *self.strengths)[1]
        return {k: g + extra[k] for k, g in grads.items()}


def _elastic_result(raw, params):
    """(value, grads) from the reader's result, or Wrong."""
    if raw is None:
        raise Wrong("the result is None: did you forget `return`?")
    if not (isinstance(raw, tuple) and len(raw) == 2):
        raise Wrong(f"return a pair (penalty value, dict of gradients), got {type(raw).__name__}")
    value, grads = raw
    if isinstance(value, dict) and not isinstance(grads, dict):
        raise Wrong("you returned (gradients, value); return them the other way round: (value, grads)")
    try:
        value = float(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError):
        raise Wrong(f"the penalty value should be one number, got {type(value).__name__}") from None
    if not isinstance(grads, dict):
        raise Wrong(f"the gradients should be a dict with the keys of params, got {type(grads).__name__}")
    missing = [k for k in params if k not in grads]
    if missing:
        raise Wrong(f"the gradients lack {missing}" + (" (the biases get a gradient too: zeros)"
                    if all(k.startswith("b") for k in missing) else ""))
    return value, grads


def _diagnose_elastic(value, grads, params, l1, l2):
    """Wrong with a specific message unless (value, grads) is the elastic net's."""
    W = [p for k, p in params.items() if k.startswith("W")]
    b = [p for k, p in params.items() if k.startswith("b")]
    s1, s2 = sum(np.abs(p).sum() for p in W), sum((p * p).sum() for p in W)
    s1b, s2b = sum(np.abs(p).sum() for p in b), sum((p * p).sum() for p in b)
    expected = l1 * s1 + 0.5 * l2 * s2
    at = f"with l1 = {l1}, l2 = {l2}: "
    if not np.isclose(value, expected, rtol=1e-6):
        near = lambda v: np.isclose(value, v, rtol=1e-6)
        if near(l1 * (s1 + s1b) + 0.5 * l2 * (s2 + s2b)):
            raise Wrong(at + "your penalty value includes the biases; you penalized the bias. "
                        "Only the weight matrices (keys starting with 'W') are penalized")
        if near(l1 * s1 + l2 * s2):
            raise Wrong(at + "the L2 part of your value lacks the ½: it is (l2/2)·ΣW²")
        if l1 and near(0.5 * l2 * s2):
            raise Wrong(at + "your value has no L1 part (l1·Σ|W|)")
        if l2 and near(l1 * s1):
            raise Wrong(at + "your value has no L2 part ((l2/2)·ΣW²)")
        raise Wrong(at + f"your penalty value is {value:.6g}, expected {expected:.6g}")
    for k, p in params.items():
        g = np.asarray(grads[k], dtype=np.float64)
        if g.shape != p.shape:
            raise Wrong(at + f"the gradient of {k} has shape {g.shape}, expected {p.shape}")
        if k.startswith("b"):
            if np.any(g != 0):
                raise Wrong(at + f"the gradient of the bias {k} is not 0: you penalized the bias")
            continue
        right = l1 * np.sign(p) + l2 * p
        if np.allclose(g, right, rtol=1e-6, atol=1e-12):
            continue
        near = lambda v: np.allclose(g, v, rtol=1e-6, atol=1e-12)
        if l1 and near(l1 * p + l2 * p):
            raise Wrong(at + f"the L1 part of your gradient of {k} is l1·W: that is the L2 "
                        f"gradient. The slope of l1·|w| is l1·sign(w)")
        if l2 and near(l1 * np.sign(p) + 0.5 * l2 * p):
            raise Wrong(at + f"the L2 part of your gradient of {k} is half the right one: the "
                        f"slope of (l2/2)·w² is l2·w")
        if l2 and near(l1 * np.sign(p)):
            raise Wrong(at + f"your gradient of {k} has no L2 part (l2·W)")
        if l1 and near(l2 * p):
            raise Wrong(at + f"your gradient of {k} has no L1 part (l1·sign(W))")
        if near(-right):
            raise Wrong(at + f"your gradient of {k} has the wrong sign")
        if l1 and near(l1 * np.abs(p) + l2 * p):
            raise Wrong(at + f"the L1 part of your gradient of {k} is l1·|W|, the penalty's value per "
                        f"weight; its slope is l1·sign(w)")
        compare(g, right, f"your gradient of {k}")


def _gradient_check(fn, l1, l2):
    """Max relative error between backprop and central differences, in a float64 network that
    uses the reader's penalty."""
    rng = np.random.default_rng(5)
    net = PenaltyNet(fn, l1, l2, 8, [6, 5], 3, seed=3, dtype=np.float64)
    for p in net.params.values():          # biases too, so that a penalized bias would show
        p += rng.normal(0, 0.1, p.shape)
    x, t = rng.random((6, 8)), rng.integers(0, 3, 6)
    analytic, numeric = net.gradient(x, t), net.numerical_gradient(x, t)
    errors = {k: float(np.max(np.abs(analytic[k] - numeric[k]) /
                              np.maximum(np.abs(analytic[k]) + np.abs(numeric[k]), 1e-8)))
              for k in net.params}
    return errors


def check_elastic_net(fn):
    """fn(params, l1, l2) -> (value, grads) of the elastic-net penalty l1*sum|W| + (l2/2)*sum W**2
    over the weight matrices (not the biases).  Three steps, each printed: hidden cases with
    diagnoses (bias penalized, the L2 gradient used for L1, the ½ missing, a part missing, params
    changed); a gradient check of a float64 network that uses the penalty; the book's run with
    it, compared with the chapter's runs without a penalty and with the book's L2."""
    def check():
        rng = np.random.default_rng(8)
        for l1, l2 in ((0.1, 0.0), (0.0, 0.3), (0.05, 0.2)):
            params = _hidden_params(rng)
            before = {k: v.copy() for k, v in params.items()}
            value, grads = _elastic_result(call(fn, params, l1, l2), params)
            if not all(np.array_equal(params[k], before[k]) for k in params):
                raise Wrong("your function changed the arrays in `params`; return new arrays")
            _diagnose_elastic(value, grads, params, l1, l2)
        print("Step 1: value and gradients right on hidden parameters.")

        errors = _gradient_check(lambda p, a, b: call(fn, p, a, b), 0.05, 0.2)
        worst = max(errors, key=errors.get)
        print(f"Step 2: gradient check of a float64 network with your penalty: largest relative "
              f"error {errors[worst]:.1e} (in {worst}).")
        if errors[worst] > 1e-6:
            raise Wrong(f"the gradient check fails in {worst} (relative error {errors[worst]:.1e}): "
                        f"your gradient is not the slope of your penalty value")

        x, t, x_test, t_test = _book_data()
        print(f"Step 3: the book's run ({BOOK_RUN['n_train']} images, {BOOK_RUN['epochs']} epochs, "
              f"seed 0) with no penalty, the book's L2 (λ = {ELASTIC_RUN['l2']}) and your elastic net "
              f"(l1 = {ELASTIC_RUN['l1']}, l2 = {ELASTIC_RUN['l2']}):")
        rows = []
        for name, make in (
                ("no penalty", lambda: MultiLayerNet(784, [100] * 6, 10, seed=0)),
                (f"L2 {ELASTIC_RUN['l2']}", lambda: MultiLayerNet(
                    784, [100] * 6, 10, seed=0, weight_decay_lambda=ELASTIC_RUN["l2"])),
                ("your elastic net", lambda: PenaltyNet(
                    lambda p, a, b: call(fn, p, a, b), ELASTIC_RUN["l1"], ELASTIC_RUN["l2"],
                    784, [100] * 6, 10, seed=0))):
            net = make()
            h = _train_book(net, x, t, x_test, t_test, what=f"  {name}")
            small = float(np.mean(np.abs(net.params["W1"]) < 1e-3))
            rows.append((name, h.train_acc[-1], h.test_acc[-1], small))
        print(f"  {'':18s} {'train':>6s} {'test':>6s} {'gap':>6s}  W1 weights below 0.001")
        for name, a, b, small in rows:
            print(f"  {name:18s} {a:6.3f} {b:6.3f} {a - b:6.3f}  {small:6.1%}")
        print("  One seed each, at the book's schedule: section 5 needed ten paired seeds to show a "
              "gain of under a point, and section 5.2 compares at the plateau. Read the accuracies for "
              "large effects only; the last column is what this run is for.")
    return verdict("elastic net", check,
                   "the value and the gradient agree, the biases are left alone, and the network "
                   "trains with it. The L1 part pushes small first-layer weights toward 0 (the "
                   "subgradient makes them jitter around 0 instead of landing on it: section 6's "
                   "proximal step would); the L2 part scales every weight down and leaves few of "
                   "them that small.")
