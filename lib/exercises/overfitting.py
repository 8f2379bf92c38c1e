"""Checks for the exercises of chapter 1 (notebooks/01_overfitting.ipynb).

    check_train_test_gap(fn)     fn(history) -> train accuracy minus test accuracy, per recorded epoch
    check_peak_epoch(fn)         fn(history) -> the epoch (from history["epoch"]) of the best test accuracy
    check_choose_degree(fn)      fn(x, y, x_val, y_val, max_degree) -> (best degree, validation MSE per degree)
    check_split_validation(fn)   fn(data, n_val, seed) -> {"train", "val", "test"}, val taken from train only
    check_training_loop(fn)      fn(net, x, t, x_test, t_test, epochs, lr, batch_size, seed) -> a record
                                 per epoch, written out with net.gradient; compared step by step with
                                 lib.train in float64, then run on the book's experiment

`history` is anything indexed like lib.train.History: history["epoch"], history["train_acc"],
history["test_acc"], ... (a dict of lists works).  Each check runs the reader's function on hidden
cases, prints ✅ or ❌ with a specific diagnosis and returns True or False.  It never raises.
"""
import numpy as np

from .checks import Wrong, call, compare, net_with_status, verdict
from ..net import MultiLayerNet
from ..polyfit import fit, make_data


def _close(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-9)


def _as_array(value, what):
    if value is None:
        raise Wrong(f"{what} is None: did you forget `return`?")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Wrong(f"{what} should be numbers, got {type(value).__name__}") from None


def _rounded(values):
    """[0.35, 0.375, ...]: plain floats, printed without numpy's np.float64(...) wrapper."""
    return [round(float(v), 4) for v in values]


def _hidden_history(rng, n_records, eval_every, peak_at=None, tie=False):
    """A History-like dict: accuracies that rise, then the test accuracy sags (overfitting)."""
    epochs = list(range(1, n_records + 1)) if eval_every == 1 else \
        [1] + [eval_every * k for k in range(1, n_records)]
    s = np.linspace(0, 1, n_records)
    train = np.clip(0.15 + 0.85 * (1 - np.exp(-5 * s)) + rng.normal(0, 0.01, n_records), 0, 1)
    peak = peak_at if peak_at is not None else int(rng.integers(1, max(n_records - 1, 2)))
    test = 0.12 + 0.66 * np.exp(-((np.arange(n_records) - peak) / (0.4 * n_records)) ** 2)
    test = np.round(test + rng.normal(0, 0.004, n_records), 4)
    test[peak] = round(test.max() + 0.01, 4)
    test[0] = round(train[0] + 0.02, 4)          # the first record: test above train (gap < 0)
    if tie:                                      # the best value reached twice: the earlier counts
        later = min(peak + 2, n_records - 1)
        test[later] = test[peak]
    train_loss = np.round(2.3 * np.exp(-4 * s) + 0.01, 4)
    test_loss = np.round(train_loss + 0.6 * s ** 2 + 0.05, 4)
    return {"epoch": epochs, "train_acc": [float(v) for v in np.round(train, 4)],
            "test_acc": [float(v) for v in test], "train_loss": [float(v) for v in train_loss],
            "test_loss": [float(v) for v in test_loss]}


def _copy(h):
    return {k: list(v) for k, v in h.items()}


# ------------------------------------------------------------------------ exercise 1: the gap

def check_train_test_gap(fn):
    """fn(history) -> array of train_acc - test_acc, one value per recorded epoch."""
    def check():
        rng = np.random.default_rng(101)
        for n_records, eval_every in ((8, 1), (21, 5), (3, 10)):
            h = _hidden_history(rng, n_records, eval_every)
            before = _copy(h)
            got = call(fn, h)
            if h != before:
                raise Wrong("your function changed the history's lists; read them, don't modify them")
            expected = np.array(h["train_acc"]) - np.array(h["test_acc"])
            arr = _as_array(got, "the result")
            if arr.ndim == 0:
                if np.isclose(arr, expected[-1]):
                    raise Wrong("you returned only the last epoch's gap; return one gap per recorded "
                                f"epoch (an array of length {len(expected)})")
                raise Wrong(f"return one gap per recorded epoch (an array of length {len(expected)}), "
                            f"got the single number {float(arr):.4g}")
            if arr.shape == expected.shape:
                loss_gap = np.array(h["train_loss"]) - np.array(h["test_loss"])
                if _close(arr, loss_gap) or _close(arr, -loss_gap):
                    raise Wrong("that is a gap between the losses; the exercise asks for the accuracies "
                                "(history['train_acc'] and history['test_acc'])")
                if _close(arr, np.abs(expected)) and not _close(arr, expected):
                    raise Wrong("don't take the absolute value: at the first epoch the test accuracy is "
                                "above the training accuracy, and the gap is then negative")
                if _close(arr, 100 * expected):
                    raise Wrong("your gap is in percent (100 times too large); keep accuracies as "
                                "fractions between 0 and 1")
            compare(arr, expected, "the gap")
    return verdict("train-test gap", check,
                   "one value per recorded epoch, train minus test, negative where the test set is ahead.")


# --------------------------------------------------------------------- exercise 2: peak epoch

def check_peak_epoch(fn):
    """fn(history) -> the epoch number (an entry of history['epoch']) with the highest test
    accuracy; on a tie the earliest such epoch."""
    def check():
        rng = np.random.default_rng(202)
        cases = [(12, 1, None, False), (30, 5, 9, False), (25, 5, 6, True), (6, 10, 1, False),
                 (15, 4, 13, True)]
        for n_records, eval_every, peak_at, tie in cases:
            h = _hidden_history(rng, n_records, eval_every, peak_at, tie)
            before = _copy(h)
            got = call(fn, h)
            if h != before:
                raise Wrong("your function changed the history's lists; read them, don't modify them")
            test = np.array(h["test_acc"])
            i = int(np.argmax(test))
            expected = h["epoch"][i]
            if got is None:
                raise Wrong("the result is None: did you forget `return`?")
            if isinstance(got, (list, tuple, np.ndarray)) and np.ndim(got) > 0:
                raise Wrong(f"return one epoch number, got a {type(got).__name__} of length {len(got)}")
            try:
                value = float(got)
            except (TypeError, ValueError):
                raise Wrong(f"return an epoch number, got {type(got).__name__} {got!r}") from None
            if value == expected:
                if not float(value).is_integer():
                    raise Wrong("the epoch is right but not a whole number")
                continue
            ties = [h["epoch"][k] for k in np.flatnonzero(test == test[i])]
            if len(ties) > 1 and value in ties:
                raise Wrong(f"the best test accuracy is reached at epochs {ties}; take the earliest "
                            f"({expected}): the network was that good already then (np.argmax does this)")
            if np.isclose(value, test[i]):
                raise Wrong("you returned the best accuracy itself; return the epoch at which it happened")
            if value == i and eval_every > 1:
                raise Wrong(f"you returned the position in the list ({i}), not the epoch; the history "
                            f"records every {eval_every}th epoch, so look the epoch up: history['epoch'][{i}]")
            if value == i:
                raise Wrong(f"you returned the position in the list ({i}); epochs count from 1: "
                            f"look it up in history['epoch']")
            if value == i + 1 and eval_every > 1:
                raise Wrong(f"position + 1 ({i + 1}) is the epoch only when every epoch is recorded; here "
                            f"every {eval_every}th is, so use history['epoch'][{i}] = {expected}")
            if value == h["epoch"][int(np.argmax(h["train_acc"]))]:
                raise Wrong("that is where the TRAINING accuracy peaks; use history['test_acc']")
            if value == h["epoch"][int(np.argmin(test))]:
                raise Wrong("that is where the test accuracy is LOWEST; look for the highest")
            raise Wrong(f"on a hidden history (epochs {h['epoch'][0]}, {h['epoch'][1]}, ..., {h['epoch'][-1]}) "
                        f"you returned {got!r}; the test accuracy peaks at epoch {expected}")
    return verdict("peak epoch", check,
                   "the epoch of the best test accuracy, the earliest on a tie.")


# ---------------------------------------------------------------- exercise 3: choose a degree

def check_choose_degree(fn):
    """fn(x, y, x_val, y_val, max_degree) -> (degree with the smallest validation MSE,
    array of the validation MSE of degrees 0, 1, ..., max_degree)."""
    def check():
        for seed, n, n_val, max_degree in ((7, 15, 30, 8), (8, 10, 25, 9), (9, 25, 40, 6)):
            x, y = make_data(n, seed=seed)
            x_val, y_val = make_data(n_val, seed=seed + 100)
            args = [a.copy() for a in (x, y, x_val, y_val)]
            fits = [fit(x, y, d) for d in range(max_degree + 1)]
            val_mse = np.array([np.mean((p(x_val) - y_val) ** 2) for p in fits])
            train_mse = np.array([np.mean((p(x) - y) ** 2) for p in fits])
            best = int(np.argmin(val_mse))
            got = call(fn, *args, max_degree)
            if not all(np.array_equal(a, b) for a, b in zip(args, (x, y, x_val, y_val))):
                raise Wrong("your function changed the data arrays; leave them as they are")
            if got is None:
                raise Wrong("the result is None: did you forget `return`?")
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                raise Wrong("return two things: (best degree, array of validation MSEs), e.g. "
                            "`return best, errors`")
            degree, errors = got
            errs = _as_array(errors, "the errors (second value)")
            if errs.ndim != 1:
                raise Wrong(f"the errors should be a 1-D array (one MSE per degree), got shape {errs.shape}")
            if len(errs) == max_degree:
                raise Wrong(f"you have {max_degree} errors; degrees 0, 1, ..., max_degree are "
                            f"{max_degree + 1} values (range(max_degree + 1))")
            if len(errs) != max_degree + 1:
                raise Wrong(f"expected {max_degree + 1} errors (degrees 0..{max_degree}), got {len(errs)}")
            if _close(errs, train_mse):
                raise Wrong("these are the errors on the TRAINING points (they only fall with the degree); "
                            "measure each fit on (x_val, y_val)")
            if _close(errs, np.sqrt(val_mse)):
                raise Wrong("you took the square root (that is the RMSE); the MSE is the mean of the squares")
            if _close(errs, val_mse * n_val):
                raise Wrong("you summed the squared errors; the MSE is their mean (divide by the number of points)")
            if _close(errs, val_mse / 2):
                raise Wrong("your errors are half the MSE; don't divide by 2 here")
            if _close(errs, [np.mean(np.abs(p(x_val) - y_val)) for p in fits]):
                raise Wrong("that is the mean ABSOLUTE error; square the differences instead")
            compare(errs, val_mse, "the validation MSE per degree")
            if degree is None:
                raise Wrong("the best degree is None")
            try:
                d = float(degree)
            except (TypeError, ValueError):
                raise Wrong(f"the best degree should be a whole number, got {type(degree).__name__}") from None
            if np.isclose(d, val_mse[best]) and d != best:
                raise Wrong("you returned the smallest error; return the degree at which it occurs")
            if d == int(np.argmax(val_mse)):
                raise Wrong("that degree has the LARGEST validation error; pick the smallest")
            if d == int(np.argmin(train_mse)) and d != best:
                raise Wrong("that degree has the smallest TRAINING error; pick by the validation error")
            if d != best:
                raise Wrong(f"with max_degree={max_degree} the smallest validation MSE is at degree {best}, "
                            f"you returned {degree!r}")
    return verdict("choose the degree", check,
                   "the validation error picks the degree; the training error would always pick the largest.")


# ------------------------------------------------------------- exercise 4: a validation split

def _hidden_split_data(n_train, n_test, sorted_labels):
    """Rows that carry their own id (x[:, 0] = id), so the check can see where each row went."""
    ids = np.arange(n_train)
    x = np.stack([ids, ids * 0.5, np.full(n_train, 7.0)], axis=1).astype(np.float32)
    t = (ids * 10 // n_train) if sorted_labels else (ids * 7) % 10
    x_test = np.stack([1000 + np.arange(n_test)] * 3, axis=1).astype(np.float32)
    t_test = np.arange(n_test) % 10
    return {"train": (x, t.astype(np.int64)), "test": (x_test, t_test.astype(np.int64))}


def _pair(result, key):
    if key not in result:
        raise Wrong(f"the result has no {key!r} entry; return a dict with 'train', 'val' and 'test'")
    pair = result[key]
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise Wrong(f"result[{key!r}] should be a pair (x, t), got {type(pair).__name__}")
    x, t = np.asarray(pair[0]), np.asarray(pair[1])
    if x.ndim != 2 or t.ndim != 1:
        raise Wrong(f"result[{key!r}] should be (x of shape (N, features), t of shape (N,)), "
                    f"got shapes {x.shape} and {t.shape}")
    if len(x) != len(t):
        raise Wrong(f"result[{key!r}] has {len(x)} inputs but {len(t)} labels")
    return x, t


def check_split_validation(fn):
    """fn(data, n_val, seed) with data = {"train": (x, t), "test": (x_test, t_test)} -> a new dict
    {"train": (x, t), "val": (x_val, t_val), "test": (x_test, t_test)}: n_val examples drawn at
    random (seeded) from the training set, the rest stay for training, the test set untouched."""
    def check():
        val_sets = {}
        for n_train, n_test, n_val, seed, sorted_labels in ((60, 30, 12, 0, True), (60, 30, 12, 1, True),
                                                            (45, 20, 9, 0, False), (60, 30, 12, 0, True)):
            data = _hidden_split_data(n_train, n_test, sorted_labels)
            x, t = data["train"]
            x_test, t_test = data["test"]
            originals = [a.copy() for a in (x, t, x_test, t_test)]
            result = call(fn, data, n_val, seed)
            if not all(np.array_equal(a, b) for a, b in zip(originals, (x, t, x_test, t_test))):
                raise Wrong("your function changed the arrays it was given (an in-place shuffle?); "
                            "shuffle an index array instead, e.g. rng.permutation(len(x))")
            if result is None:
                raise Wrong("the result is None: did you forget `return`?")
            if not isinstance(result, dict):
                raise Wrong(f"return a dict with 'train', 'val' and 'test', got {type(result).__name__}")
            (xa, ta), (xv, tv), (xs, ts) = (_pair(result, k) for k in ("train", "val", "test"))
            test_ids = set(range(1000, 1000 + n_test))
            if set(xv[:, 0].astype(int)) & test_ids:
                raise Wrong("your validation examples come from the TEST set; take them from the training "
                            "set, and keep the test set for the one final measurement")
            if not (np.array_equal(xs, x_test) and np.array_equal(ts, t_test)):
                raise Wrong("result['test'] must be the test set exactly as given (same examples, same order)")
            if len(xv) != n_val:
                raise Wrong(f"the validation set should have n_val={n_val} examples, yours has {len(xv)}")
            if len(xa) != n_train - n_val:
                raise Wrong(f"the training part should keep the other {n_train - n_val} of the {n_train} "
                            f"examples, yours has {len(xa)}")
            va_ids, tr_ids = xv[:, 0].astype(int), xa[:, 0].astype(int)
            both = set(va_ids) & set(tr_ids)
            if both:
                raise Wrong(f"{len(both)} examples are in both the training and the validation part; "
                            "the two parts must not overlap")
            if len(set(va_ids)) < len(va_ids) or len(set(tr_ids)) < len(tr_ids):
                raise Wrong("an example appears twice (sampling with replacement?); use a permutation")
            if set(va_ids) | set(tr_ids) != set(range(n_train)):
                raise Wrong("some training examples are lost or invented: train + val must be exactly "
                            "the original training set")
            if not (np.array_equal(x[va_ids], xv) and np.array_equal(x[tr_ids], xa)):
                raise Wrong("the rows of x changed on the way; index whole rows, x[idx]")
            if not (np.array_equal(t[va_ids], tv) and np.array_equal(t[tr_ids], ta)):
                raise Wrong("labels got separated from their images: index x and t with the SAME indices")
            key = (n_train, n_val, seed)
            if key in val_sets and not np.array_equal(val_sets[key], va_ids):
                raise Wrong(f"two calls with seed={seed} gave different splits; draw the random order "
                            "from np.random.default_rng(seed)")
            val_sets.setdefault(key, va_ids)
        first, second = val_sets[(60, 12, 0)], val_sets[(60, 12, 1)]
        prefix, suffix = set(range(12)), set(range(48, 60))
        if set(first) in (prefix, suffix) or set(second) in (prefix, suffix):
            raise Wrong("your validation set is simply the first (or last) n_val examples; if the data "
                        "were sorted by class it would hold one or two digits only. Shuffle first")
        if np.array_equal(np.sort(first), np.sort(second)):
            raise Wrong("seed=0 and seed=1 give the same validation set; use the seed for the random order")
    return verdict("validation split", check,
                   "a seeded random split of the training set; the test set is left untouched.")


# ---------------------------------------------- exercise 5: a training loop of your own, with the gap

BOOK_RUN = dict(n_train=300, epochs=201, lr=0.01, batch_size=100, seed=0, n_test=1000)
RECORD_KEYS = ("epoch", "train_acc", "test_acc", "gap")


def reference_loop(net, x, t, x_test, t_test, epochs, lr, batch_size, seed, fresh_order=True,
                   last_batch=True):
    """What lib.train does (sampling='shuffle', plain SGD), written out; the variants for the
    diagnoses: one order for every epoch, the last smaller batch skipped."""
    rng = np.random.default_rng(seed)
    record = {key: [] for key in RECORD_KEYS}
    order = rng.permutation(len(x))
    stop = len(x) if last_batch else len(x) - batch_size + 1
    for epoch in range(1, epochs + 1):
        if fresh_order and epoch > 1:
            order = rng.permutation(len(x))
        for start in range(0, stop, batch_size):
            batch = order[start:start + batch_size]
            grads = net.gradient(x[batch], t[batch])
            for key in net.params:
                net.params[key] -= lr * grads[key]
        train_acc, test_acc = net.accuracy(x, t), net.accuracy(x_test, t_test)
        for key, value in zip(RECORD_KEYS, (epoch, train_acc, test_acc, train_acc - test_acc)):
            record[key].append(value)
    return record


def _record(raw, epochs):
    """The reader's record as a dict of float arrays, or Wrong."""
    if raw is None:
        raise Wrong("the result is None: did you forget `return`?")
    try:
        missing = [key for key in RECORD_KEYS if key not in raw]
    except TypeError:
        raise Wrong(f"return a dict with the keys {', '.join(RECORD_KEYS)}, got {type(raw).__name__}") from None
    if missing:
        raise Wrong(f"your record lacks {missing}; return a dict with the keys {', '.join(RECORD_KEYS)}")
    record = {key: _as_array(raw[key], f'record["{key}"]') for key in RECORD_KEYS}
    for key, values in record.items():
        if len(values) != epochs:
            raise Wrong(f'record["{key}"] has {len(values)} entries for {epochs} epochs: record once '
                        f"per epoch, after the epoch's last step")
    return record


class CountingNet(MultiLayerNet):
    """A MultiLayerNet that counts the calls of gradient() (lib.train calls _gradient instead)."""
    calls = 0

    def gradient(self, x, t):
        self.calls += 1
        return super().gradient(x, t)


def _tiny_case(dtype=np.float64):
    rng = np.random.default_rng(12)
    x, t = rng.random((40, 8)), rng.integers(0, 3, 40)
    x_test, t_test = rng.random((30, 8)), rng.integers(0, 3, 30)
    make = lambda: CountingNet(8, [6], 3, seed=4, dtype=dtype)   # noqa: E731
    return make, (x, t, x_test, t_test)


def check_training_loop(fn):
    """fn(net, x, t, x_test, t_test, epochs, lr, batch_size, seed) -> {"epoch", "train_acc",
    "test_acc", "gap"}, one entry per epoch (epochs from 1, gap = train - test), training `net` in
    place with mini-batch SGD in lib.train's order: rng = np.random.default_rng(seed) once, a fresh
    rng.permutation(len(x)) every epoch, batches of batch_size in that order (the last may be
    smaller).  Step 1 compares it with lib.train in float64 (weights and records) and names the
    typical mistakes; step 2 runs it on the book's experiment with a status line."""
    def check():
        make, data = _tiny_case()
        settings = dict(epochs=3, lr=0.5, batch_size=16, seed=7)
        net = make()
        start = {k: v.copy() for k, v in net.params.items()}
        record = _record(call(fn, net, *data, *settings.values()), settings["epochs"])
        if net.calls == 0:
            raise Wrong("your function never called net.gradient: write the loop yourself (a step per "
                        "batch with grads = net.gradient(x[batch], t[batch])) instead of calling train")
        if not all(layer.W is net.params[f"W{i + 1}"] for i, layer in
                   enumerate(layer for layer in net.layers if hasattr(layer, "W"))):
            raise Wrong("you replaced the arrays in net.params (params[key] = params[key] - ...); the "
                        "network's layers still hold the old ones, so the network never changes. "
                        "Update in place: net.params[key] -= lr * grads[key]")
        if all(np.array_equal(start[k], net.params[k]) for k in start):
            raise Wrong("the network's weights did not change: train `net` itself, in place")
        expected_net = make()
        expected = reference_loop(expected_net, *data, **settings)
        if list(record["epoch"]) == list(range(settings["epochs"])):
            raise Wrong("your epochs count from 0; the first epoch is epoch 1 (as in lib.train's History)")
        same_weights = all(np.allclose(net.params[k], expected_net.params[k], rtol=1e-6, atol=1e-9)
                           for k in start)
        if not same_weights:
            uphill = make()
            loss = lambda n: n.loss(data[0], data[1])                   # noqa: E731
            for variant, message in (
                    (dict(fresh_order=False), "every epoch takes the batches in the same order (drawn once, "
                                              "or from a new default_rng(seed) each epoch); create the rng "
                                              "once before the loop and draw a fresh rng.permutation(len(x)) "
                                              "at the start of every epoch"),
                    (dict(last_batch=False), "you skipped the last, smaller batch: with 40 images and "
                                             "batches of 16 an epoch has 3 batches (16, 16, 8)")):
                twin = make()
                reference_loop(twin, *data, **settings, **variant)
                if all(np.allclose(net.params[k], twin.params[k], rtol=1e-6, atol=1e-9) for k in start):
                    raise Wrong(message)
            if loss(net) > loss(uphill):
                raise Wrong("the loss went up: step against the gradient, params -= lr * grads")
            raise Wrong("after your loop the weights differ from lib.train's with the same settings: "
                        "create rng = np.random.default_rng(seed) once before the loop, draw "
                        "rng.permutation(len(x)) every epoch, take the batches of batch_size in that "
                        "order, and step net.params[key] -= lr * grads[key] with grads = "
                        "net.gradient(x[batch], t[batch])")
        for key in ("epoch", "train_acc", "test_acc"):
            if not _close(record[key], expected[key]):
                if key == "train_acc" and _close(record[key], expected["test_acc"]):
                    raise Wrong('record["train_acc"] holds the test accuracies')
                if key == "test_acc" and _close(record[key], expected["train_acc"]):
                    raise Wrong('record["test_acc"] holds the training accuracies: measure it on x_test')
                if key != "epoch" and _close(record[key][1:], expected[key][:-1]):
                    raise Wrong(f'record["{key}"] runs one epoch behind: measure the accuracies after '
                                f"the epoch's last step, not before its first")
                raise Wrong(f'record["{key}"] is {_rounded(record[key])}, expected '
                            f'{_rounded(expected[key])} (measured after each epoch)')
        if _close(record["gap"], -np.asarray(expected["gap"])) and np.any(expected["gap"]):
            raise Wrong("your gap has the wrong sign: it is train accuracy minus test accuracy")
        if not _close(record["gap"], expected["gap"]):
            raise Wrong(f'record["gap"] is not train_acc - test_acc: you give '
                        f'{_rounded(record["gap"])}')
        print("Step 1: on a float64 network your loop gives exactly lib.train's weights and accuracies.")

        from ..data import load_mnist, take
        from ..progress import Status
        (x_all, t_all), (x_test, t_test) = load_mnist()
        x, t = x_all[:BOOK_RUN["n_train"]], t_all[:BOOK_RUN["n_train"]]
        x_sub, t_sub = take(x_test, t_test, BOOK_RUN["n_test"], seed=0)
        steps_per_epoch = -(-len(x) // BOOK_RUN["batch_size"])
        status = Status("Step 2: your loop on the book's experiment, epoch", BOOK_RUN["epochs"])

        WithStatus = net_with_status(status, steps_per_epoch)   # progress as your loop calls gradient()

        net = WithStatus(784, [100] * 6, 10, seed=0)
        record = _record(call(fn, net, x, t, x_sub, t_sub, BOOK_RUN["epochs"], BOOK_RUN["lr"],
                              BOOK_RUN["batch_size"], BOOK_RUN["seed"]), BOOK_RUN["epochs"])
        status.finish()
        gap = record["gap"]
        widest = int(np.argmax(gap))
        best = int(np.argmax(record["test_acc"]))
        print(f"  {BOOK_RUN['n_train']} images, {BOOK_RUN['epochs']} epochs, lr {BOOK_RUN['lr']}, "
              f"seed 0, test on {BOOK_RUN['n_test']} images: final train {record['train_acc'][-1]:.3f}, "
              f"test {record['test_acc'][-1]:.3f}, gap {gap[-1]:.3f}")
        print(f"  widest gap {gap[widest]:.3f} at epoch {int(record['epoch'][widest])}; best test "
              f"accuracy {record['test_acc'][best]:.3f} at epoch {int(record['epoch'][best])}")
        print("  Section 3 trained the same network with lib.train (the whole test set, every 5th "
              "epoch): compare the shape of the two curves, not the third decimal.")
    return verdict("training loop", check,
                   "your loop is mini-batch SGD exactly as lib.train runs it, and the gap it records "
                   "is the curve of section 3: it opens as the network memorizes its 300 images.")
