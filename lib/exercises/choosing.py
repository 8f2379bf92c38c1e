"""Checks for the exercises of chapter 4 (choosing regularizers).  Each prints ✅ or ❌ with a
specific diagnosis and returns True or False; none of them raises.

    check_log_uniform(log_uniform_sampler)
    check_best_epoch(best_epoch_with_patience)
    check_adamw_step(adamw_step)
    check_search(search_with_early_stopping)   several steps: compared with lib.train's early
                                               stopping in float64, then run on the chapter's split
    check_shift_image(shift_image)             section 5.3's shift of one digit (no wrap-around)
"""
import math

import numpy as np

from .checks import Wrong, call, compare, net_with_status, verdict


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


# ------------------------------------------ exercise 4: a validation search with early stopping

SEARCH_RUN = dict(lams=(0.0, 0.001, 0.01, 0.1), epochs=200, patience=20, lr=0.1, batch_size=100, seed=0)


def reference_search(make_net, lams, x, t, x_val, t_val, epochs, patience, lr, batch_size, seed,
                     fresh_rng=True, strict=True, restore=True, late_by=0):
    """For each lambda, mini-batch SGD in lib.train's order with early stopping on the validation
    set; (best lambda, {lambda: (best_epoch, stop_epoch, validation accuracy of the kept weights)}).
    The keyword arguments after `seed` make the typical mistakes, for the diagnoses."""
    runs, rng = {}, np.random.default_rng(seed)
    for lam in lams:
        net = make_net(lam)
        if fresh_rng:
            rng = np.random.default_rng(seed)
        best_acc, best_epoch, best_params, waited = -1.0, None, None, 0
        for epoch in range(1, epochs + 1):
            order = rng.permutation(len(x))
            for start in range(0, len(x), batch_size):
                batch = order[start:start + batch_size]
                grads = net.gradient(x[batch], t[batch])
                for key in net.params:
                    net.params[key] -= lr * grads[key]
            acc = net.accuracy(x_val, t_val)
            if acc > best_acc or (not strict and acc == best_acc):
                best_acc, best_epoch, best_params, waited = acc, epoch, net.copy_params(), 0
            else:
                waited += 1
                if waited >= patience + late_by:
                    break
        if restore:
            net.set_params(best_params)
        runs[lam] = (best_epoch, epoch, net.accuracy(x_val, t_val))
    best_lam = max(lams, key=lambda lam: runs[lam][2])     # the first of equals
    return best_lam, runs


def _search_result(raw, lams):
    if raw is None:
        raise Wrong("the result is None: did you forget `return`?")
    if not (isinstance(raw, tuple) and len(raw) == 2 and isinstance(raw[1], dict)):
        raise Wrong("return a pair (best_lam, runs) with runs a dict {lam: (best_epoch, stop_epoch, "
                    f"val_acc)}}, got {type(raw).__name__}")
    best_lam, runs = raw
    missing = [lam for lam in lams if lam not in runs]
    if missing:
        raise Wrong(f"runs lacks the λ {missing}: one entry per λ of `lams`")
    out = {}
    for lam in lams:
        try:
            best_epoch, stop_epoch, acc = runs[lam]
            out[lam] = (int(best_epoch), int(stop_epoch), float(acc))
        except (TypeError, ValueError):
            raise Wrong(f"runs[{lam}] should be (best_epoch, stop_epoch, val_acc), got {runs[lam]!r}") from None
    return best_lam, out


def check_search(fn):
    """fn(make_net, lams, x, t, x_val, t_val, epochs, patience, lr, batch_size, seed) -> (best_lam,
    {lam: (best_epoch, stop_epoch, val_acc)}): for each lambda a network make_net(lam) trained by
    mini-batch SGD in lib.train's order (a fresh np.random.default_rng(seed) per run), early
    stopping on the validation set with train()'s rules, the best epoch's weights put back; the
    best lambda has the highest val_acc (the first of equals).  Step 1 compares it with lib.train
    (patience=...) on small float64 networks and names the typical mistakes; step 2 runs it on
    chapter 4's split with a status line."""
    def check():
        from ..net import MultiLayerNet
        from ..train import train
        from .overfitting import CountingNet
        rng = np.random.default_rng(1)        # a learnable toy problem on which the λ differ
        W_true = rng.normal(size=(8, 3))
        x = rng.random((40, 8))
        t = np.argmax((x - 0.5) @ W_true + 0.3 * rng.normal(size=(40, 3)), axis=1)
        x_val = rng.random((25, 8))
        t_val = np.argmax((x_val - 0.5) @ W_true + 0.3 * rng.normal(size=(25, 3)), axis=1)
        made = []

        def make(lam):
            made.append(CountingNet(8, [10], 3, seed=2, dtype=np.float64, weight_decay_lambda=lam))
            return made[-1]
        settings = dict(lams=(0.0, 0.01, 0.3), epochs=40, patience=4, lr=0.3, batch_size=16, seed=5)
        args = (make, settings["lams"], x, t, x_val, t_val, settings["epochs"], settings["patience"],
                settings["lr"], settings["batch_size"], settings["seed"])
        best_lam, runs = _search_result(call(fn, *args), settings["lams"])
        if made and not any(net.calls for net in made):
            raise Wrong("your function never called net.gradient: write the training loop yourself "
                        "(a step per batch with grads = net.gradient(x[batch], t[batch])) instead of "
                        "calling train")
        for net in made:
            layers = [layer for layer in net.layers if hasattr(layer, "W")]
            if not all(layer.W is net.params[f"W{i + 1}"] for i, layer in enumerate(layers)):
                raise Wrong("you replaced the arrays in net.params (params[key] = params[key] - ...); the "
                            "network's layers still hold the old ones, so the network never changes. "
                            "Update in place: net.params[key] -= lr * grads[key]")
        make = lambda lam: MultiLayerNet(8, [10], 3, seed=2, dtype=np.float64, weight_decay_lambda=lam)  # noqa: E731
        expected = {}
        for lam in settings["lams"]:
            net = make(lam)
            h = train(net, x, t, x_val, t_val, epochs=settings["epochs"], lr=settings["lr"],
                      batch_size=settings["batch_size"], seed=settings["seed"],
                      patience=settings["patience"], eval_train=False)
            expected[lam] = (h.best_epoch, h.epoch[-1], net.accuracy(x_val, t_val))
        if runs != expected or not np.allclose([r[2] for r in runs.values()],
                                               [r[2] for r in expected.values()]):
            for variant, message in (
                    (dict(fresh_rng=False), "the second λ's run differs from lib.train's: start a fresh "
                                            "np.random.default_rng(seed) for every run, so that every λ "
                                            "sees the same batches (a paired comparison)"),
                    (dict(strict=False), "a tie counted as a new best: an epoch is a new best only if "
                                         "its accuracy is strictly higher"),
                    (dict(late_by=1), "you stopped one epoch late: stop at the epoch where `patience` "
                                      "epochs in a row have brought no new best"),
                    (dict(late_by=-1), "you stopped one epoch early: `patience` epochs in a row without "
                                       "a new best, then stop"),
                    (dict(restore=False), "val_acc is that of the last epoch's weights: keep a copy of "
                                          "the best epoch's parameters (net.copy_params()) and put them "
                                          "back (net.set_params) before measuring")):
                if _search_result(reference_search(*args, **variant), settings["lams"])[1] == runs:
                    raise Wrong(message)
            for lam in settings["lams"]:
                if runs[lam][:2] != expected[lam][:2] or not np.isclose(runs[lam][2], expected[lam][2]):
                    raise Wrong(f"for λ = {lam} you give (best_epoch, stop_epoch, val_acc) = {runs[lam]}, "
                                f"lib.train with patience gives {tuple(expected[lam])}"
                                + (". Does each λ get its own network, make_net(lam), trained from "
                                   "its start?" if runs[settings["lams"][0]] == expected[settings["lams"][0]]
                                   else ""))
        right = max(settings["lams"], key=lambda lam: expected[lam][2])
        if best_lam != right:
            raise Wrong(f"you chose λ = {best_lam}, but λ = {right} has the highest validation accuracy "
                        f"of the kept weights ({expected[right][2]:.3f})")
        twins = (1e-9, 0.0)                    # two runs that end equal: the first of equals is chosen
        tie_args = (make, twins) + args[2:]
        tie_best, tie_runs = _search_result(call(fn, *tie_args), twins)
        if tie_runs[twins[0]][2] == tie_runs[twins[1]][2] and tie_best != twins[0]:
            raise Wrong(f"λ = {twins[0]:g} and λ = {twins[1]:g} (listed in that order) tie on validation "
                        f"and you chose {tie_best:g}; choose the first of equals, as max(lams, key=...) does")
        print("Step 1: on small float64 networks your search gives exactly lib.train's early stopping "
              "for every λ, and the right λ.")

        from ..data import load_mnist, train_val_split
        from ..progress import Status
        (x_all, t_all), _ = load_mnist()
        (x_pool, t_pool), (x_val, t_val) = train_val_split(x_all, t_all, val_fraction=0.2, seed=0)
        x, t = x_pool[:300], t_pool[:300]
        s = SEARCH_RUN
        status = Status(f"Step 2: your search on chapter 4's split, λ in {s['lams']}: epochs trained",
                        s["epochs"] * len(s["lams"]))
        steps_per_epoch = -(-len(x) // s["batch_size"])

        WithStatus = net_with_status(status, steps_per_epoch)   # progress as your loop calls gradient()

        best_lam, runs = _search_result(call(
            fn, lambda lam: WithStatus(784, [100] * 6, 10, seed=s["seed"], weight_decay_lambda=lam),
            s["lams"], x, t, x_val, t_val, s["epochs"], s["patience"], s["lr"], s["batch_size"],
            s["seed"]), s["lams"])
        status.finish()
        print(f"  300 training images, {len(x_val)} validation images, lr {s['lr']}, patience "
              f"{s['patience']}, at most {s['epochs']} epochs:")
        steps = s["epochs"] * steps_per_epoch              # T of the full run, as in section 5.1
        for lam, (best_epoch, stop_epoch, acc) in runs.items():
            print(f"  L2 λ = {lam:<6g} (budget ηλT {s['lr'] * lam * steps:.3f}) kept epoch {best_epoch:3d}, "
                  f"stopped at {stop_epoch:3d}, validation {acc:.3f}" + ("   <- chosen" if lam == best_lam else ""))
        print(f"  Standard error of one validation accuracy near 0.8 on {len(x_val)} images: "
              f"{np.sqrt(0.16 / len(x_val)):.3f}, and this is one seed: compare with sections 4 and "
              f"5.1 before trusting the choice (by the budget ηλT: this learning rate is not the "
              f"chapter's).")
    return verdict("search with early stopping", check,
                   "every λ gets the same batches, stops by train()'s rule and is judged by the "
                   "weights it keeps; the best of them is a choice made on validation data only.")


# --- 5. shift one digit (section 5.3, data augmentation) ------------------------------------------
def reference_shift_image(image, dx, dy):
    """image (H, W) moved dx pixels right and dy pixels down (negative: left, up); 0 where uncovered."""
    h, w = image.shape
    out = np.zeros_like(image)
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def check_shift_image(fn):
    """fn(image, dx, dy) -> the 28 x 28 image moved dx right and dy down, 0 where uncovered."""
    def check():
        rng = np.random.default_rng(5)
        image = rng.uniform(0.1, 1.0, (28, 28))        # ink everywhere, also on the edges
        for dx, dy in ((2, 0), (0, 3), (-1, 2), (3, -2), (0, 0), (-4, -4)):
            before = image.copy()
            got = call(fn, image, dx, dy)
            if not np.array_equal(image, before):
                raise Wrong("your function changed the input image: make a new array (np.zeros_like(image))")
            if got is None:
                raise Wrong("the result is None: did you forget `return`?")
            got = np.asarray(got, dtype=np.float64)
            if got.shape != (28, 28):
                raise Wrong(f"shift_image should return a 28 x 28 image, got shape {got.shape}")
            expected = reference_shift_image(image, dx, dy)
            if np.allclose(got, expected):
                continue
            where = f"shift_image(image, dx={dx}, dy={dy})"
            if np.allclose(got, np.roll(image, (dy, dx), axis=(0, 1))):
                raise Wrong(f"{where}: the pixels pushed off one edge come back at the other (that is np.roll); "
                            "the uncovered border must be 0 (background)")
            if dx != dy and np.allclose(got, reference_shift_image(image, dy, dx)):
                raise Wrong(f"{where}: you moved the digit {dx} down and {dy} right: dx moves along a row "
                            "(the columns, axis 1), dy along a column (the rows, axis 0)")
            if np.allclose(got, reference_shift_image(image, -dx, -dy)):
                raise Wrong(f"{where}: the digit moved the opposite way: positive dx is to the right, positive "
                            "dy is down, so new pixel [i, j] is old pixel [i - dy, j - dx]")
            compare(got, expected, what=where)

    return verdict("shift one digit", check,
                   "moved right by dx and down by dy, the uncovered border 0, the input untouched.")
