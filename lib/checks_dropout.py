"""Checks for the exercises of chapter 3 (notebooks/03_dropout.ipynb).

    check_inverted_forward(fn)   fn(x, keep, ratio, train) -> x * keep / (1 - ratio) in training, x at test
    check_dropout_backward(fn)   fn(layer, dout) -> dout * layer.mask (the mask forward used)
    check_fold_test_scale(fn)    fn(params, ratio) -> params with W2, W3, ... multiplied by (1 - ratio)
    check_mc_average(fn)         fn(net, x, n_samples) -> mean over n_samples masks of softmax(scores)

Each check runs the reader's function on hidden cases, prints ✅ or ❌ with a specific diagnosis
and returns True or False.  It never raises.
"""
import numpy as np

from .checks import Wrong, call, verdict
from .layers import Dropout, softmax
from .net import MultiLayerNet


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


# ------------------------------------------------------------------ exercise 2: backward

def check_dropout_backward(fn):
    """fn(layer, dout): the backward pass of a lib Dropout layer that has just run forward in
    training mode.  Right answer: dout * layer.mask (the same mask and scale that forward used)."""
    def check():
        rng = np.random.default_rng(41)
        for mode, ratio in (("inverted", 0.3), ("inverted", 0.6), ("book", 0.4)):
            layer = Dropout(ratio, mode=mode, rng=int(rng.integers(1000)))
            x = rng.random((8, 12)) + 0.5
            layer.forward(x, train=True)
            mask = layer.mask.copy()
            mask[0, 0], mask[0, 1] = 1.0 / (1 - ratio) if mode == "inverted" else 1.0, 0.0
            layer.mask = mask.copy()                        # at least one kept and one dropped unit
            state = layer.rng.bit_generator.state
            dout = rng.normal(size=x.shape)
            dout_before = dout.copy()
            got = call(fn, layer, dout)
            drew = layer.rng.bit_generator.state != state or not np.array_equal(layer.mask, mask)
            if drew:
                raise Wrong("your backward drew a fresh mask (it called the layer's random generator or forward "
                            "again). The gradient must flow through exactly the units that forward kept: reuse "
                            "layer.mask")
            got = _array(got, f"dx ({mode} mode, ratio {ratio})", x.shape)
            d = dout_before
            right = d * mask
            if _same(got, right):
                continue
            kept = mask != 0
            if not np.array_equal(got != 0, kept & (d != 0)) and np.mean((got != 0) == kept) < 0.95:
                if _same(got, d):
                    raise Wrong("you passed dout through unchanged: the dropped units gave no output, so they "
                                "get no gradient; multiply by layer.mask")
                raise Wrong("the units that get a gradient are not the ones forward kept: did you draw a new "
                            "mask (e.g. with np.random)? Reuse layer.mask from forward")
            scale = 1.0 / (1 - ratio)
            diagnoses = [
                (d * kept, "you let the gradient through the kept units but forgot their scale: forward multiplied "
                           f"them by {scale:.4g} = 1/(1 - ratio), so backward must too. layer.mask holds the "
                           "factor already: return dout * layer.mask"),
                (d * mask * scale, "you scaled twice: layer.mask already contains the factor 1/(1 - ratio); "
                                   "return dout * layer.mask"),
                (d * mask * (1 - ratio), "you multiplied by (1 - ratio) on top of the mask; the mask alone is "
                                         "what forward multiplied by"),
                (mask.astype(float), "you returned the mask itself; multiply it with dout (chain rule)"),
            ]
            if mode == "book":
                diagnoses.insert(0, (d * kept * scale, "in book mode forward does not scale the kept units in "
                                                       "training, so backward must not either. Multiply by "
                                                       "layer.mask, which holds what forward used in either mode"))
            for wrong, message in diagnoses:
                if _same(got, wrong):
                    raise Wrong(message + f" ({mode} mode, ratio {ratio})")
            raise Wrong(_first_difference(got, right, f"dx ({mode} mode, ratio {ratio})"))
    return verdict("dropout backward", check,
                   "the gradient flows through exactly the units forward kept, with the same scale")


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
