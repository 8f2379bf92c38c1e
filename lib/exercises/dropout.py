"""Checks for the exercises of chapter 3 (notebooks/03_dropout.ipynb).

    check_inverted_forward(fn)   fn(x, keep, ratio, train) -> x * keep / (1 - ratio) in training, x at test
    check_fixed_dropout(cls)     cls: SuspectDropout with its bug fixed (gradient check, inverted dropout)
    check_gaussian_dropout(cls)  cls: Gaussian dropout; checked, gradient-checked, trained on the book's run
    check_fold_test_scale(fn)    fn(params, ratio) -> params with W2, W3, ... multiplied by (1 - ratio)
    check_mc_average(fn)         fn(net, x, n_samples) -> mean over n_samples masks of softmax(scores)

Each check runs the reader's function on hidden cases, prints ✅ or ❌ with a specific diagnosis
and returns True or False.  It never raises.
"""
import numpy as np

from .checks import Wrong, call, verdict
from ..layers import Dropout, softmax
from ..net import MultiLayerNet


def _array(value, what, shape):
    """The reader's result as a float64 array of the expected shape, or Wrong."""
    if value is None:
        raise Wrong(f"{what} is None: did you forget `return`?")
    if isinstance(value, dict):
        raise Wrong(f"{what} should be an array, got a dict")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Wrong(f"{what} should be an array of numbers, got {type(value).__name__}") from None
    if arr.shape != tuple(shape):
        raise Wrong(f"{what} has shape {arr.shape}, expected {tuple(shape)}")
    if not np.all(np.isfinite(arr)):
        raise Wrong(f"{what} contains NaN or inf")
    return arr


def _same(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-10)


def _first_difference(got, expected, what):
    i = np.unravel_index(np.argmax(np.abs(got - expected)), expected.shape)
    return (f"{what} is wrong: at index {tuple(int(k) for k in i)} you give {got[i]:.6g}, "
            f"expected {expected[i]:.6g}")


# ------------------------------------------------------------------ exercise 1: inverted forward

def check_inverted_forward(fn):
    """fn(x, keep, ratio, train): inverted dropout.  Training (train=True): x * keep / (1 - ratio),
    where keep is a boolean array (True = unit kept).  Test (train=False): x unchanged."""
    def check():
        rng = np.random.default_rng(31)
        for ratio in (0.2, 0.5, 0.7):
            x = rng.random((6, 9)) + 0.5
            keep = rng.random(x.shape) >= ratio
            keep[0, 0], keep[0, 1] = True, False          # at least one kept and one dropped unit
            x_before, keep_before = x.copy(), keep.copy()
            # --- training
            got = _array(call(fn, x, keep, ratio, True), f"the training output (ratio {ratio})", x.shape)
            if not (np.array_equal(x, x_before) and np.array_equal(keep, keep_before)):
                raise Wrong("your function changed x or keep in place; return a new array "
                            "(the layer before still needs its output)")
            right = x * keep / (1 - ratio)
            if not _same(got, right):
                diagnoses = [
                    (x * keep, "you dropped the right units but did not scale the kept ones: divide by "
                               "(1 - ratio), the probability of keeping a unit, so that the expected output stays x"),
                    (x * keep / ratio, f"you divided by ratio = {ratio}, the probability of DROPPING a unit; "
                                       "divide by (1 - ratio), the probability of keeping it"),
                    (x * keep * (1 - ratio), "you multiplied by (1 - ratio); that is the book's test-time scale. "
                                             "Inverted dropout DIVIDES the kept units by (1 - ratio) in training"),
                    (x / (1 - ratio), "you scaled every unit but dropped none: multiply by the mask `keep` too"),
                    (x * ~keep / (1 - ratio), "you kept the units that should be dropped: keep is True for a "
                                              "unit that stays"),
                    (x * ~keep, "you kept the dropped units and forgot the scale: use x * keep / (1 - ratio)"),
                    (x, "in training (train=True) the units must be dropped: multiply by keep / (1 - ratio)"),
                ]
                for wrong, message in diagnoses:
                    if _same(got, wrong):
                        raise Wrong(message)
                raise Wrong(_first_difference(got, right, f"the training output (ratio {ratio})"))
            # --- test
            got = _array(call(fn, x, keep, ratio, False), f"the test-time output (ratio {ratio})", x.shape)
            if not _same(got, x):
                diagnoses = [
                    (x * (1 - ratio), "at test time you multiplied by (1 - ratio): that is the book's mode. "
                                      "Inverted dropout already scaled in training, so at test time it returns x "
                                      "unchanged"),
                    (x / (1 - ratio), "at test time you divided by (1 - ratio): the scaling belongs to training "
                                      "only; at test time the layer is the identity"),
                    (x * keep / (1 - ratio), "at test time you still dropped units: with train=False every unit "
                                             "stays and the layer returns x"),
                    (x * keep, "at test time you still applied the mask: with train=False return x"),
                    (x * ratio, "at test time return x unchanged (no scaling at all)"),
                ]
                for wrong, message in diagnoses:
                    if _same(got, wrong):
                        raise Wrong(message)
                raise Wrong(_first_difference(got, x, f"the test-time output (ratio {ratio})"))
        # ratio 0: dropout off, must be the identity in training too
        x = rng.random((3, 4))
        got = _array(call(fn, x, np.ones_like(x, dtype=bool), 0.0, True), "the output for ratio 0", x.shape)
        if not _same(got, x):
            raise Wrong(_first_difference(got, x, "with ratio 0 (nothing dropped) the output"))
    return verdict("inverted dropout forward", check,
                   "kept units are divided by (1 - ratio) in training, and the test-time layer is the identity")


# ------------------------------------------------------------ exercise 2: bug hunt, a suspect layer

class SuspectDropout(Dropout):
    """Inverted dropout as someone wrote it (chapter 3, exercise 2: find its bug)."""

    def forward(self, x, train=True):
        if not train:
            return x
        if not (self.frozen and self.mask is not None and self.mask.shape == x.shape):
            self.mask = (self.rng.random(x.shape) >= self.ratio).astype(x.dtype)
        return x * self.mask / (1.0 - self.ratio)


def with_layers(net, layer_class):
    """`net` with each of its Dropout layers replaced by layer_class(ratio, rng=net.rng)."""
    net.layers = [layer_class(layer.ratio, rng=net.rng) if isinstance(layer, Dropout) else layer
                  for layer in net.layers]
    return net


def dropout_gradient_check(layer_class, ratio=0.3, seed=1):
    """Max relative difference between backprop and the numerical gradient, per parameter, of a
    small float64 network whose dropout layers are layer_class, with the masks frozen.
    Prints it per parameter, and the factor backprop / numerical (median over the entries: 1 where
    backprop is right), and returns the dict of relative differences."""
    net = with_layers(MultiLayerNet(12, [16, 12], 3, dropout_ratio=ratio, dtype=np.float64, seed=seed),
                      layer_class)
    rng = np.random.default_rng(0)
    x, t = rng.random((6, 12)), rng.integers(0, 3, 6)
    net.freeze_dropout(True)
    backprop = call(net.gradient, x, t)            # draws the masks, then reuses them
    numerical = call(net.numerical_gradient, x, t)
    differences, factors = {}, {}
    for key in net.params:
        b, n = np.asarray(backprop[key], dtype=np.float64), numerical[key]
        differences[key] = float(np.abs(b - n).max() / max(np.max(np.abs(b) + np.abs(n)), 1e-12))
        big = np.abs(n) > 1e-3 * np.abs(n).max()         # entries whose ratio is not rounding noise
        factors[key] = float(np.median(b[big] / n[big])) if big.any() else float("nan")
    print("relative difference, backprop vs numerical (frozen masks): "
          + ", ".join(f"{k} {d:.1e}" for k, d in differences.items()))
    print("backprop / numerical, median over the entries:             "
          + ", ".join(f"{k} {f:.3g}" for k, f in factors.items()))
    return differences


def check_fixed_dropout(cls):
    """cls: a SuspectDropout subclass whose gradient check passes and which is still inverted
    dropout (expected output x in training, the identity at test time).  Diagnoses: lib's backward
    copied (dout * mask, without the scale this layer's mask lacks), the scale applied twice, a
    fresh mask in backward, a forward that no longer divides by (1 - ratio)."""
    def check():
        if not (isinstance(cls, type) and issubclass(cls, Dropout)):
            raise Wrong(f"pass the class itself (a subclass of SuspectDropout), got {cls!r}")
        ratio = 0.4
        layer = cls(ratio, rng=3)
        rng = np.random.default_rng(4)
        x = rng.random((400, 50)) + 0.5
        out = _array(call(layer.forward, x, True), "forward's output in training", x.shape)
        if layer.mask is None:
            raise Wrong("forward must keep its mask in self.mask (backward needs it)")
        kept = out != 0
        if np.mean(out / x) > 1.03:
            raise Wrong(f"in training the average output is {np.mean(out / x):.3f}·x, expected x: "
                        f"forward divides the kept units by (1 − p) more than once")
        if not np.isclose(np.mean(out / x), 1.0, atol=0.03):
            raise Wrong(f"in training the average output is {np.mean(out / x):.3f}·x, expected x: "
                        f"forward must still divide the kept units by (1 − p) (inverted dropout). "
                        f"Fix the gradient, not the forward pass")
        test_out = _array(call(layer.forward, x, False), "forward's output at test time", x.shape)
        if not _same(test_out, x):
            raise Wrong("at test time the layer must return x unchanged (inverted dropout)")
        layer.forward(x, True)
        mask = layer.mask.copy()
        kept = mask != 0
        dout = rng.normal(size=x.shape)
        state = layer.rng.bit_generator.state
        dx = _array(call(layer.backward, dout.copy()), "backward's dx", x.shape)
        if layer.rng.bit_generator.state != state:
            raise Wrong("your backward drew a fresh mask; the gradient must flow through exactly "
                        "the units forward kept (self.mask)")
        right = dout * kept / (1.0 - ratio)
        if not _same(dx, right):
            if _same(dx, dout * kept):
                raise Wrong("backward returns dout * self.mask, lib's backward, but this layer's mask "
                            "holds only 0 and 1: forward multiplied the kept units by 1/(1 − p) and "
                            "the gradient must be multiplied by it too. That is the bug")
            if _same(dx, dout * kept / (1.0 - ratio) ** 2):
                raise Wrong("you scaled by 1/(1 − p) twice")
            if _same(dx, dout * kept * (1.0 - ratio)):
                raise Wrong("you multiplied by (1 − p); forward divided by it")
            if _same(dx, dout * kept / ratio):
                raise Wrong("you divided by p, the probability of DROPPING a unit; forward divided "
                            "by (1 − p)")
            if _same(dx, dout / (1.0 - ratio)):
                raise Wrong("the dropped units get a gradient; they gave no output, so they get none "
                            "(multiply by the mask)")
            raise Wrong(_first_difference(dx, right, "backward's dx"))
        layer.frozen = True
        first = np.array(call(layer.forward, x[:5], True))
        if not np.array_equal(first, np.array(call(layer.forward, x[:5], True))):
            raise Wrong("with self.frozen = True forward must reuse its last mask (the gradient check "
                        "needs one fixed function); draw a new mask only when not frozen")
        print("Your layer's gradient check (a float64 network with dropout 0.3, masks frozen):")
        worst = max(dropout_gradient_check(cls).values())
        if worst > 1e-6:
            raise Wrong(f"the gradient check still fails (relative difference {worst:.1e})")
    return verdict("bug hunt", check,
                   "forward multiplies by the 0/1 mask and by 1/(1 − p), so backward must too: "
                   "scale in backward, or put the scale into the mask as lib's Dropout does, where "
                   "dout * mask is then right. A gradient check on a small float64 network with frozen masks finds such "
                   "a bug in a second.")


# ------------------------------------------------------------------ exercise 3: fold the test scale

def check_fold_test_scale(fn):
    """fn(params, ratio): the parameters of a book-mode network (dropout after every hidden layer)
    changed so that a network WITHOUT test-time scaling computes the same test output: every weight
    matrix that reads a dropout layer's output (W2, W3, ..., the last one included) multiplied by
    (1 - ratio); W1 and all biases unchanged."""
    def check():
        rng = np.random.default_rng(51)
        for hidden, ratio in (([10, 8], 0.2), ([9, 7, 6], 0.5)):
            book = MultiLayerNet(12, hidden, 4, dropout_ratio=ratio, dropout_mode="book", dtype=np.float64,
                                 seed=int(rng.integers(1000)))
            for key in book.params:
                if key.startswith("b"):
                    book.params[key][...] = rng.normal(0, 0.3, book.params[key].shape)
            params = {k: v.copy() for k, v in book.params.items()}
            before = {k: v.copy() for k, v in params.items()}
            got = call(fn, params, ratio)
            if not all(np.array_equal(params[k], before[k]) for k in params):
                raise Wrong("your function changed the arrays in `params`; return new arrays (e.g. W * c "
                            "instead of W *= c) and leave the original network alone")
            if got is None:
                raise Wrong("the result is None: did you forget `return`?")
            if not isinstance(got, dict):
                raise Wrong(f"return a dict with the same keys as params ({', '.join(params)}), got {type(got).__name__}")
            missing = [k for k in params if k not in got]
            if missing:
                raise Wrong(f"keys {missing} are missing from your dict: return every parameter, changed or not")
            last = len(hidden) + 1
            expected = {k: v * (1 - ratio) if k.startswith("W") and k != "W1" else v for k, v in before.items()}
            arrays = {k: _array(got[k], f"your {k!r}", before[k].shape) for k in params}
            wrong_keys = [k for k in params if not _same(arrays[k], expected[k])]
            if not wrong_keys:
                continue
            factor = {k: arrays[k].ravel()[0] / before[k].ravel()[0] for k in wrong_keys if before[k].ravel()[0] != 0}
            if "W1" in wrong_keys and _same(arrays["W1"], before["W1"] * (1 - ratio)):
                raise Wrong("you scaled W1 too. W1 reads the input pixels, and there is no dropout on the "
                            "input; only the weights that read a hidden layer's (dropped-out) output get (1 - ratio)")
            if any(k.startswith("b") for k in wrong_keys):
                raise Wrong("you changed a bias. The book multiplies the hidden OUTPUTS by (1 - ratio); in "
                            "h·((1-p)W) + b that factor lands on the weights only, the bias is added unscaled")
            if all(_same(arrays[k], before[k]) for k in params):
                raise Wrong("you returned the parameters unchanged. At test time the book multiplies every "
                            "hidden output h by (1 - ratio); move that factor into the weights that read h")
            if f"W{last}" in wrong_keys and _same(arrays[f"W{last}"], before[f"W{last}"]):
                raise Wrong(f"W{last}, the last weight matrix, reads the last hidden layer, which has a dropout "
                            "layer too: scale it by (1 - ratio) as well")
            k = wrong_keys[0]
            f = factor.get(k)
            if f is not None and np.isclose(f, ratio):
                raise Wrong(f"you multiplied by ratio = {ratio}; the book keeps a unit with probability "
                            "(1 - ratio) and scales by that")
            if f is not None and np.isclose(f, 1 / (1 - ratio)):
                raise Wrong("you divided by (1 - ratio): that is the inverted mode's training-time scale. "
                            "The book MULTIPLIES by (1 - ratio) at test time")
            if f is not None and np.isclose(f, 1.0):
                raise Wrong(f"{k} is unchanged, but it reads a dropout layer's output: multiply it by (1 - ratio)")
            raise Wrong(_first_difference(arrays[k], expected[k], f"your {k!r}"))
        # and the point of it all: a plain network with the new weights = the book network at test time
        plain = MultiLayerNet(12, hidden, 4, dtype=np.float64, seed=0)
        plain.set_params(arrays)
        x = rng.random((5, 12))
        if not np.allclose(plain.predict(x), book.predict(x, train=False)):
            raise Wrong("the plain network with your parameters does not reproduce the book network's test output")
    return verdict("the test-time scale moved into the weights", check,
                   "W2, W3, ... times (1 - ratio) turn the book's network into one with no test-time scaling")


# ------------------------------------------------------------------ exercise 4: MC-dropout average

class _Recorder:
    """Wraps a net's predict to record every training-mode call: (inputs, scores)."""

    def __init__(self, net):
        self.net, self.calls, self.eval_calls = net, [], 0
        self.original = net.predict

    def __call__(self, x, train=False):
        scores = self.original(x, train)
        if train:
            self.calls.append((np.asarray(x, dtype=self.net.dtype).copy(), scores.copy()))
        else:
            self.eval_calls += 1
        return scores


def check_mc_average(fn):
    """fn(net, x, n_samples): the MC-dropout prediction, the mean over n_samples forward passes in
    training mode (fresh masks) of the class probabilities softmax(net.predict(x, train=True)),
    shape (N, C).  The check records every forward pass your function makes and compares your
    answer with the average of exactly those passes."""
    def check():
        rng = np.random.default_rng(61)
        for n_samples in (7, 30):
            net = MultiLayerNet(16, [24, 24], 5, dropout_ratio=0.5, dtype=np.float64, seed=int(rng.integers(1000)),
                                weight_init_std=0.8)
            x = rng.random((6, 16))
            recorder = _Recorder(net)
            net.predict = recorder
            try:
                got = call(fn, net, x, n_samples)
            finally:
                del net.predict
            if not recorder.calls:
                if recorder.eval_calls:
                    raise Wrong("you only called net.predict in eval mode (train=False): no masks, so every "
                                "pass gives the same answer. Use net.predict(x, train=True)")
                raise Wrong("your function never ran the network: call net.predict(x, train=True)")
            shape = np.shape(got) if isinstance(got, np.ndarray) else None
            if shape is not None and len(shape) == 2 and shape[0] == n_samples and shape[0] != len(x):
                raise Wrong(f"your result has shape {shape}: one row per mask. Average over the masks "
                            f"(the first axis of the stacked passes) to get one row per image, ({len(x)}, "
                            f"{net.output_size})")
            got = _array(got, "the MC average", (len(x), net.output_size))
            # group the recorded rows by example (works for any batching, e.g. np.repeat of x)
            keys = {x[i].tobytes(): i for i in range(len(x))}
            scores = [[] for _ in x]
            for inputs, out in recorder.calls:
                for row, s in zip(inputs, out):
                    i = keys.get(row.tobytes())
                    if i is None:
                        raise Wrong("you passed the network inputs that are not rows of x; pass x itself")
                    scores[i].append(s)
            counts = {len(s) for s in scores}
            if counts != {n_samples}:
                raise Wrong(f"each image should go through n_samples = {n_samples} masks; yours went through "
                            f"{sorted(counts)} (a loop of range(n_samples) with one net.predict(x, train=True) each)")
            scores = np.array(scores).transpose(1, 0, 2)               # (T, N, C)
            probs = softmax(scores.reshape(-1, scores.shape[2])).reshape(scores.shape)
            right = probs.mean(axis=0)
            if np.allclose(got, right, rtol=1e-5, atol=1e-7):   # float32 sums are fine too
                continue
            votes = np.eye(net.output_size)[scores.argmax(axis=2)].mean(axis=0)
            diagnoses = [
                (softmax(scores.mean(axis=0)), "you averaged the scores and then took the softmax; average the "
                                               "probabilities instead (softmax of each pass, then the mean)"),
                (scores.mean(axis=0), "you averaged the raw scores: take softmax of each pass first, then average"),
                (votes, "you averaged votes (one-hot argmax); average the probabilities, which keep how sure "
                        "each masked network is"),
                (probs[-1], "you returned the last pass only; average all n_samples passes"),
                (probs[0], "you returned the first pass only; average all n_samples passes"),
                (probs.sum(axis=0), "you summed the probabilities; divide by n_samples (take the mean)"),
            ]
            for wrong, message in diagnoses:
                if _same(got, wrong):
                    raise Wrong(message)
            if not np.allclose(got.sum(axis=1), 1, atol=1e-6):
                raise Wrong("each row of your result should be a probability distribution summing to 1")
            raise Wrong(_first_difference(got, right, "the MC average"))
    return verdict("MC-dropout average", check,
                   "the mean of the masked networks' probabilities, one pass per mask")


# -------------------------------------------- exercise 5: Gaussian dropout, from the layer to a run

PLATEAU_RUN = dict(n_train=300, epochs=301, lr=0.1, ratio=0.2, seed=0)   # section 4.2's seed-0 run


def reference_gaussian_forward(layer, x, train=True):
    """Gaussian dropout's forward pass: x * m with m ~ N(1, p / (1 - p)), kept in layer.mask."""
    if not train:
        return x
    if not (layer.frozen and layer.mask is not None and layer.mask.shape == x.shape):
        std = np.sqrt(layer.ratio / (1.0 - layer.ratio))
        layer.mask = (1.0 + std * layer.rng.standard_normal(x.shape)).astype(x.dtype)
    return x * layer.mask


def _noise_stats(cls, ratio, scale, seed):
    """(mean, variance, distinct values) of the factor out / x of cls's training forward pass."""
    layer = cls(ratio, rng=seed)
    x = np.full((400, 500), scale)
    out = _array(call(layer.forward, x, True), "forward's output in training", x.shape)
    if not np.all(x == scale):
        raise Wrong("your forward changed its input x in place (x *= ...); return a new array, "
                    "x * self.mask: the layer below still needs its output")
    factor = out / x
    return layer, x, out, float(factor.mean()), float(factor.var()), np.unique(np.round(factor, 9)).size


def check_gaussian_dropout(cls):
    """cls: a Dropout subclass whose forward multiplies by Gaussian noise m ~ N(1, p/(1-p)) in
    training (the mean and variance of inverted dropout's mask), keeps m in self.mask (Dropout's
    backward returns dout * self.mask), reuses it when self.frozen, and is the identity at test
    time.  Three printed steps: the noise's statistics and the layer's contract; a gradient check
    of a float64 network with the layer (frozen noise); section 4.2's seed-0 run with it beside
    the chapter's runs without dropout and with inverted dropout."""
    def check():
        if not (isinstance(cls, type) and issubclass(cls, Dropout)):
            raise Wrong(f"pass the class itself (a subclass of lib's Dropout), got {cls!r}")
        ratio = 0.3
        var = ratio / (1 - ratio)
        layer, x, out, mean, variance, distinct = _noise_stats(cls, ratio, 1.0, 11)
        if distinct <= 2:
            raise Wrong("your noise takes only two values: that is inverted dropout's mask. Gaussian "
                        "dropout multiplies every unit by its own draw from a normal distribution")
        if abs(mean) < 0.05:
            raise Wrong(f"your noise has mean {mean:.3f}: the layer then erases the signal on "
                        f"average. Multiply by 1 + σ·z (mean 1), not by σ·z")
        if abs(mean - 1) > 0.01:
            raise Wrong(f"your noise has mean {mean:.3f}, expected 1 (the expected output must be x, as "
                        f"with inverted dropout)")
        _, _, _, _, variance3, _ = _noise_stats(cls, ratio, 3.0, 11)
        if not np.isclose(variance3, variance, rtol=0.05):
            raise Wrong("the spread of out / x depends on the size of x: is your noise added to x "
                        "rather than multiplied with it? Gaussian dropout multiplies: x · m")
        if not np.isclose(variance, var, rtol=0.03):
            for wrong, message in (
                    (ratio ** 2, "your noise's standard deviation is p; its variance must equal that "
                                 "of inverted dropout's mask"),
                    (ratio, "your noise's variance is p; work out the variance of inverted dropout's "
                            "mask (0 with probability p, 1/(1 − p) otherwise)"),
                    (var ** 2, "you used p/(1 − p) as the standard deviation; it is the variance "
                               "(take its square root)"),
                    (ratio * (1 - ratio), "your noise's variance is p(1 − p), the variance of a 0/1 "
                                          "keep mask; inverted dropout's mask is divided by (1 − p)")):
                if np.isclose(variance, wrong, rtol=0.03):
                    raise Wrong(message + f" (ratio {ratio}: variance {var:.4f}, yours {variance:.4f})")
            raise Wrong(f"your noise's variance is {variance:.4f}; with ratio {ratio} inverted "
                        f"dropout's mask has variance {var:.4f}")
        mask = getattr(layer, "mask", None)
        if mask is None or np.shape(mask) != x.shape or not _same(x * np.asarray(mask, dtype=np.float64), out):
            raise Wrong("keep the noise you multiplied by in self.mask (shape of x): Dropout's "
                        "backward, which your class inherits, returns dout * self.mask")
        if not _same(_array(call(layer.forward, x, False), "the output at test time", x.shape), x):
            raise Wrong("at test time the layer must return x unchanged (the noise has mean 1)")
        layer.frozen = True
        first = np.array(call(layer.forward, x[:5], True))
        if not np.array_equal(first, np.array(call(layer.forward, x[:5], True))):
            raise Wrong("with self.frozen = True the layer must reuse its last noise (a gradient "
                        "check needs one fixed function); draw new noise only when not frozen")
        layer.frozen = False
        if np.array_equal(first, np.array(call(layer.forward, x[:5], True))):
            raise Wrong("the layer draws the same noise at every call: draw it from self.rng each "
                        "time (unless self.frozen)")
        twins = [np.array(call(cls(ratio, rng=5).forward, x[:5], True)) for _ in range(2)]
        if not np.array_equal(*twins):
            raise Wrong("two layers made with the same seed draw different noise: draw it from "
                        "self.rng (the layer's own generator), not from np.random")
        print(f"Step 1: noise mean {mean:.3f}, variance {variance:.4f} (inverted dropout's mask at "
              f"p = {ratio}: {var:.4f}); identity at test time; frozen noise reused.")
        print("Step 2: ", end="")
        worst = max(dropout_gradient_check(cls).values())
        if worst > 1e-6:
            raise Wrong(f"the gradient check fails (relative difference {worst:.1e}): the noise in "
                        f"self.mask must be the one forward multiplied by")

        from ..data import load_mnist, take
        from ..progress import epoch_status
        from ..train import TrainingDiverged, train
        (x_all, t_all), (x_test, t_test) = load_mnist()
        x, t = x_all[:PLATEAU_RUN["n_train"]], t_all[:PLATEAU_RUN["n_train"]]
        x_curve, t_curve = take(x_test, t_test, 2000, seed=0)
        p = PLATEAU_RUN["ratio"]
        print(f"Step 3: section 4.2's run (300 images, {PLATEAU_RUN['epochs']} epochs, lr "
              f"{PLATEAU_RUN['lr']}, seed 0), dropout ratio {p}:")
        rows = []
        for name, make in (
                ("no dropout", lambda: MultiLayerNet(784, [100] * 6, 10, seed=0)),
                (f"inverted {p}", lambda: MultiLayerNet(784, [100] * 6, 10, dropout_ratio=p, seed=0)),
                (f"your Gaussian {p}", lambda: with_layers(
                    MultiLayerNet(784, [100] * 6, 10, dropout_ratio=p, seed=0), cls))):
            net = make()
            try:
                h = train(net, x, t, x_curve, t_curve, epochs=PLATEAU_RUN["epochs"],
                          lr=PLATEAU_RUN["lr"], seed=0, eval_every=50,
                          callback=epoch_status(f"  {name}", eval_name="test (2,000)"))
            except TrainingDiverged as e:
                raise Wrong(f"training with your layer diverged: {e}") from None
            rows.append((name, h.train_acc[-1], net.accuracy(x_test, t_test)))
        print(f"  {'':20s} {'train':>6s}  test (10,000)   gap")
        for name, a, b in rows:
            print(f"  {name:20s} {a:6.3f}  {b:13.3f}  {a - b:6.3f}")
        print(f"  One seed, {PLATEAU_RUN['epochs']} epochs each: section 4.2 needed five paired seeds "
              "and a check at a later epoch to compare inverted dropout with none, and your layer's "
              "plateau is not checked here. A difference inside that seed spread is no difference.")
    return verdict("Gaussian dropout", check,
                   "multiplicative noise with mean 1 and the variance of inverted dropout's mask, "
                   "frozen for the gradient check, the identity at test time; Dropout's backward "
                   "works unchanged because the noise lives in self.mask.")
