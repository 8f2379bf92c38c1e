"""Checks for the exercises of chapter 4 (choosing regularizers).  Each prints ✅ or ❌ with a
specific diagnosis and returns True or False; none of them raises.

    check_log_uniform(log_uniform_sampler)
    check_best_epoch(best_epoch_with_patience)
    check_adamw_step(adamw_step)
"""
import math

import numpy as np

from .checks import Wrong, call, compare, verdict


# --- 1. a log-uniform sampler ----------------------------------------------------------------
def check_log_uniform(fn):
    """fn(low, high, n, seed) -> n samples spread evenly over the decades of [low, high]."""
    def check():
        a = call(fn, 1e-4, 1.0, 4000, 0)
        if a is None:
            raise Wrong("the result is None: did you forget `return`?")
        try:
            a = np.asarray(a, dtype=np.float64)
        except (TypeError, ValueError):
            raise Wrong(f"the result should be an array of numbers, got {type(a).__name__}") from None
        if a.shape != (4000,):
            raise Wrong(f"log_uniform_sampler(1e-4, 1, 4000, 0) should give 4000 samples in a 1-D array, "
                        f"got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise Wrong("some samples are NaN or inf")
        if np.all((a >= -4) & (a <= 0)) and np.any(a < 0):
            raise Wrong("your samples lie in [-4, 0]: those are the exponents; return 10 ** exponent")
        if a.min() < 1e-4 * (1 - 1e-9) or a.max() > 1.0 * (1 + 1e-9):
            raise Wrong(f"samples must lie in [low, high] = [1e-4, 1]; yours go from {a.min():.3g} to {a.max():.3g}")
        share = np.histogram(np.log10(a), bins=4, range=(-4, 0))[0] / len(a)
        if share[-1] > 0.8:
            raise Wrong(f"{share[-1]:.0%} of your samples are in the top decade [0.1, 1]: that is uniform "
                        "sampling; sample the exponent uniformly instead")
        if np.any(np.abs(share - 0.25) > 0.04):
            shares = ", ".join(f"{s:.0%}" for s in share)
            raise Wrong(f"each of the 4 decades should get about 25% of the samples; yours get {shares}")
        b = call(fn, 1e-4, 1.0, 4000, 0)
        if not np.array_equal(np.asarray(b, dtype=np.float64), a):
            raise Wrong("the same seed gave different samples: draw from np.random.default_rng(seed)")
        c = np.asarray(call(fn, 1e-4, 1.0, 4000, 1), dtype=np.float64)
        if c.shape == a.shape and np.array_equal(c, a):
            raise Wrong("seed 0 and seed 1 gave the same samples: use the seed argument")
        d = np.asarray(call(fn, 0.003, 0.5, 2000, 7), dtype=np.float64)
        if d.shape != (2000,) or d.min() < 0.003 * (1 - 1e-9) or d.max() > 0.5 * (1 + 1e-9):
            raise Wrong("with low=0.003, high=0.5 the samples leave [low, high] (or the count is wrong): "
                        "use log10(low) and log10(high), not fixed exponents")
        half = np.mean(d < math.sqrt(0.003 * 0.5))   # the geometric midpoint splits the mass in half
        if abs(half - 0.5) > 0.05:
            raise Wrong(f"with low=0.003, high=0.5, half the samples should lie below the geometric mean "
                        f"sqrt(low*high) = {math.sqrt(0.003 * 0.5):.3g}; yours: {half:.0%}")

    return verdict("log-uniform sampler", check,
                   "in range, about a quarter of the samples in each decade of [1e-4, 1], and seeded.")


# --- 2. early stopping: the best epoch with patience -------------------------------------------
def reference_best_epoch(val_acc, patience, strict=True):
    """The rule of lib.train: epochs count from 1; a new best needs a strictly higher accuracy;
    stop after `patience` epochs in a row without one.  Returns (best_epoch, stop_epoch).
    strict=False counts a tie as a new best (a common mistake; the check recognizes it)."""
    best, best_epoch, waited = -math.inf, None, 0
    for epoch, acc in enumerate(val_acc, start=1):
        if acc > best or (not strict and acc == best):
            best, best_epoch, waited = acc, epoch, 0
        else:
            waited += 1
        if waited >= patience:
            return best_epoch, epoch
    return best_epoch, len(val_acc)


_CURVES = [
    # (curve, patience, what it tests)
    ([0.5, 0.6, 0.7, 0.65, 0.66, 0.64, 0.8, 0.9], 3, "a dip that lasts as long as the patience"),
    ([0.5, 0.6, 0.7, 0.65, 0.66, 0.64, 0.8, 0.9], 4, "a dip shorter than the patience"),
    ([0.2, 0.4, 0.6, 0.8, 0.9], 2, "a curve that keeps rising (never stops)"),
    ([0.7, 0.7, 0.7, 0.7, 0.7, 0.7], 2, "a flat curve (ties are not improvements)"),
    ([0.1, 0.5, 0.5, 0.6, 0.4, 0.3, 0.95], 1, "patience 1"),
    ([0.3, 0.5, 0.45, 0.5, 0.48, 0.47, 0.46, 0.9], 3, "an equal value is not a new best"),
]


def check_best_epoch(fn):
    """fn(val_acc, patience) -> (best_epoch, stop_epoch), epochs counted from 1."""
    def check():
        for curve, patience, what in _CURVES:
            got = call(fn, list(curve), patience)
            expected = reference_best_epoch(curve, patience)
            if got is None:
                raise Wrong("the result is None: did you forget `return`?")
            try:
                best, stop = (int(v) for v in got)
            except (TypeError, ValueError):
                raise Wrong(f"return a pair (best_epoch, stop_epoch) of whole numbers, got {got!r}") from None
            case = f"for {what} {curve} with patience {patience}"
            if (best, stop) == expected:
                continue
            if (best + 1, stop + 1) == expected:
                raise Wrong(f"{case} you give ({best}, {stop}), expected {expected}: epochs count from 1, "
                            "not from 0")
            if (best, stop) == reference_best_epoch(curve, patience, strict=False):
                raise Wrong(f"{case} you give ({best}, {stop}), expected {expected}: a tie is not an "
                            "improvement; a new best needs a strictly higher accuracy (acc > best)")
            if stop > expected[1]:
                raise Wrong(f"{case} you stop at epoch {stop}, expected {expected[1]}: stop as soon as "
                            f"`patience` epochs in a row bring no new best (here {patience}), not one later")
            if stop < expected[1]:
                raise Wrong(f"{case} you stop at epoch {stop}, expected {expected[1]}: that is too early; "
                            "count only the epochs since the last new best, and reset the count at a new best")
            if best > stop:
                raise Wrong(f"{case} your best epoch {best} comes after the stop at epoch {stop}: early "
                            "stopping cannot see the future; only look at epochs up to the stop")
            if 1 <= best <= len(curve) and curve[best - 1] == curve[expected[0] - 1]:
                raise Wrong(f"{case} your best epoch is {best}, expected {expected[0]}: a tie is not an "
                            "improvement, keep the first epoch that reached the best value")
            raise Wrong(f"{case} you give (best, stop) = ({best}, {stop}), expected {expected}")

    return verdict("best epoch with patience", check,
                   "the best epoch and the stopping epoch are right on all test curves.")


# --- 3. the AdamW step ---------------------------------------------------------------------------
def reference_adamw_step(w, grad, m, v, k, lr=1e-3, weight_decay=0.01, beta1=0.9, beta2=0.999, eps=1e-8,
                         decay_first=True):
    """One AdamW step, PyTorch's convention: Adam on the data gradient, then a decay of
    lr * weight_decay * w that does not pass through Adam's 1/sqrt(v) scaling.  (Loshchilov and
    Hutter scale the decay by the schedule multiplier eta_t, not by Adam's step size lr.)
    decay_first=True decays the old w (the paper, PyTorch); False decays after the Adam step
    (lib.optimizers); the two differ by lr**2 * weight_decay * step, both are decoupled."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    step = (m / (1 - beta1 ** k)) / (np.sqrt(v / (1 - beta2 ** k)) + eps)
    if decay_first:
        w = w - lr * step - lr * weight_decay * w
    else:
        w = (w - lr * step) * (1 - lr * weight_decay)
    return w, m, v


def _coupled_step(w, grad, m, v, k, lr, weight_decay, beta1, beta2, eps):
    """Adam + L2: the decay added to the gradient (the mistake the exercise is about)."""
    return reference_adamw_step(w, grad + weight_decay * w, m, v, k, lr, 0.0, beta1, beta2, eps)


def check_adamw_step(fn):
    """fn(w, grad, m, v, k, lr, weight_decay, beta1, beta2, eps) -> (w_new, m_new, v_new)."""
    def check():
        rng = np.random.default_rng(4)
        cases = [
            # k, lr, weight_decay: a first step, a later step, a strong decay
            (1, 0.01, 0.1), (5, 0.05, 0.5), (30, 0.1, 2.0),
        ]
        for k, lr, wd in cases:
            w = rng.standard_normal((3, 4))
            grad = rng.standard_normal((3, 4)) * np.array([10.0, 1.0, 0.01, 0.001])   # very different scales
            m = rng.standard_normal((3, 4)) * 0.1
            v = rng.random((3, 4)) * 0.5
            args = (w.copy(), grad.copy(), m.copy(), v.copy(), k, lr, wd, 0.9, 0.999, 1e-8)
            got = call(fn, *args)
            if got is None:
                raise Wrong("the result is None: did you forget `return`?")
            if not (isinstance(got, (tuple, list)) and len(got) == 3):
                raise Wrong(f"return three arrays (w_new, m_new, v_new), got {type(got).__name__}")
            w_new, m_new, v_new = got
            ref = {first: reference_adamw_step(w, grad, m, v, k, lr, wd, decay_first=first) for first in (True, False)}
            coupled = _coupled_step(w, grad, m, v, k, lr, wd, 0.9, 0.999, 1e-8)
            try:
                is_coupled = all(np.allclose(np.asarray(a, dtype=np.float64), b, rtol=1e-6)
                                 for a, b in zip(got, coupled))
            except (TypeError, ValueError):
                is_coupled = False
            if is_coupled:
                raise Wrong("you added weight_decay * w to the gradient: that is Adam + L2, where the decay "
                            "is divided by sqrt(v) like the gradient. Keep it out of m and v and subtract "
                            "lr * weight_decay * w separately")
            for name, got_moment, right, c in (("m_new", m_new, ref[True][1], 1 - 0.9 ** k),
                                                ("v_new", v_new, ref[True][2], 1 - 0.999 ** k)):
                try:
                    corrected = np.allclose(np.asarray(got_moment, dtype=np.float64), right / c, rtol=1e-6)
                except (TypeError, ValueError):
                    corrected = False
                if corrected:
                    raise Wrong(f"you returned the bias-corrected {name[0]}; return the running moment itself "
                                "and use the corrected one only inside the step")
            compare(m_new, ref[True][1], f"m_new (step {k})")
            compare(v_new, ref[True][2], f"v_new (step {k})")
            try:
                w_arr = np.asarray(w_new, dtype=np.float64)
            except (TypeError, ValueError):
                raise Wrong(f"w_new should be an array of numbers, got {type(w_new).__name__}") from None
            if any(w_arr.shape == ref[f][0].shape and np.allclose(w_arr, ref[f][0], rtol=1e-6, atol=1e-10)
                   for f in (True, False)):
                continue
            coupled = coupled[0]
            no_decay = reference_adamw_step(w, grad, m, v, k, lr, 0.0)[0]
            no_correction = w - lr * m_new / (np.sqrt(v_new) + 1e-8) - lr * wd * w if w_arr.shape == w.shape else None
            no_lr = ref[True][0] + lr * wd * w - wd * w   # the decay without the factor lr
            if w_arr.shape != w.shape:
                raise Wrong(f"w_new has shape {w_arr.shape}, expected {w.shape}")
            if np.allclose(w_arr, coupled, rtol=1e-6):
                raise Wrong("you added weight_decay * w to the gradient: that is Adam + L2, where the decay "
                            "is divided by sqrt(v) like the gradient. Keep it out of m and v and subtract "
                            "lr * weight_decay * w separately")
            if np.allclose(w_arr, no_decay, rtol=1e-6):
                raise Wrong("w_new is a plain Adam step: the decay lr * weight_decay * w is missing")
            if no_correction is not None and np.allclose(w_arr, no_correction, rtol=1e-6):
                raise Wrong(f"at step k={k} the bias correction is missing: use m / (1 - beta1**k) and "
                            "v / (1 - beta2**k) in the step (but return the uncorrected m and v)")
            if np.allclose(w_arr, no_lr, rtol=1e-6):
                raise Wrong("the decay should be lr * weight_decay * w (scaled by the learning rate, "
                            "as in PyTorch and in the exercise's formula), not weight_decay * w")
            compare(w_arr, ref[True][0], f"w_new (step {k}, lr {lr}, weight_decay {wd})", rtol=1e-6, atol=1e-10)

    return verdict("AdamW step", check,
                   "moments, bias correction and the decoupled decay are right; the decay skips 1/sqrt(v).")
