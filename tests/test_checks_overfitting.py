"""The multi-step exercise of chapter 1 (lib/exercises/overfitting.py): a training loop written
out.  The reference loop is lib.train; each typical mistake fails with its own diagnosis before
the book's run (tests/test_exercises.py runs the notebook's solution, which does the run)."""
import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from lib import MultiLayerNet, train
from lib.exercises.overfitting import check_training_loop, reference_loop


def quiet(check, fn):
    out = io.StringIO()
    with redirect_stdout(out):
        result = check(fn)
    return result, out.getvalue()


def test_the_reference_loop_is_lib_train():
    rng = np.random.default_rng(0)
    x, t = rng.random((40, 8)), rng.integers(0, 3, 40)
    x_test, t_test = rng.random((30, 8)), rng.integers(0, 3, 30)
    ours, theirs = (MultiLayerNet(8, [6], 3, seed=4, dtype=np.float64) for _ in range(2))
    record = reference_loop(ours, x, t, x_test, t_test, epochs=3, lr=0.5, batch_size=16, seed=7)
    history = train(theirs, x, t, x_test, t_test, epochs=3, lr=0.5, batch_size=16, seed=7)
    assert all(np.allclose(ours.params[k], theirs.params[k], rtol=1e-12) for k in ours.params)
    assert record["epoch"] == history.epoch and np.allclose(record["gap"], history.gap())
    assert np.allclose(record["test_acc"], history.test_acc)


def loop(replace=False, sign=-1, first_epoch=1, gap_sign=1, test_on_train=False, **variant):
    """reference_loop with one mistake."""
    def fn(net, x, t, x_test, t_test, epochs, lr, batch_size, seed):
        if not (replace or sign > 0):
            record = reference_loop(net, x, t, x_test, t_test if not test_on_train else t_test,
                                    epochs, lr, batch_size, seed, **variant)
            if test_on_train:
                record["test_acc"] = list(record["train_acc"])
        else:
            rng, record = np.random.default_rng(seed), {k: [] for k in ("epoch", "train_acc", "test_acc", "gap")}
            for epoch in range(1, epochs + 1):
                order = rng.permutation(len(x))
                for start in range(0, len(x), batch_size):
                    batch = order[start:start + batch_size]
                    grads = net.gradient(x[batch], t[batch])
                    for key in net.params:
                        if replace:
                            net.params[key] = net.params[key] - lr * grads[key]
                        else:
                            net.params[key] += lr * grads[key]
                a, b = net.accuracy(x, t), net.accuracy(x_test, t_test)
                for key, value in zip(record, (epoch, a, b, a - b)):
                    record[key].append(value)
        record["epoch"] = [e - 1 + first_epoch for e in record["epoch"]]
        record["gap"] = [gap_sign * g for g in record["gap"]]
        return record
    return fn


def stub(*args, **kwargs):
    raise NotImplementedError("a hint")


def measured_before_the_epoch(net, x, t, x_test, t_test, *args):
    """reference_loop, but each epoch's accuracies are those from before its first step."""
    before = net.accuracy(x, t), net.accuracy(x_test, t_test)
    record = reference_loop(net, x, t, x_test, t_test, *args)
    record["train_acc"] = [before[0]] + record["train_acc"][:-1]
    record["test_acc"] = [before[1]] + record["test_acc"][:-1]
    return record


@pytest.mark.parametrize("fn, says", [
    (stub, "not written yet (a hint)"),
    (lambda *a, **k: None, "did you forget `return`"),
    (lambda *a, **k: {"epoch": [1, 2, 3]}, "your record lacks"),
    (loop(replace=True), "Update in place"),
    (loop(sign=+1), "the loss went up"),
    (loop(fresh_order=False), "draw a fresh"),
    (loop(last_batch=False), "skipped the last, smaller batch"),
    (loop(first_epoch=0), "count from 0"),
    (loop(gap_sign=-1), "wrong sign"),
    (loop(test_on_train=True), "holds the training accuracies"),
    (measured_before_the_epoch, "one epoch behind"),
    (lambda net, *a, **k: {key: [0.5] * 3 for key in ("epoch", "train_acc", "test_acc", "gap")},
     "never called net.gradient"),
    (lambda net, x, t, xt, tt, *a: (net.gradient(x, t), {key: [0.5] * 3 for key in (
        "epoch", "train_acc", "test_acc", "gap")})[1], "did not change"),
    (lambda net, x, t, xt, tt, epochs, lr, batch_size, seed: {
        "epoch": (h := train(net, x, t, xt, tt, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed)).epoch,
        "train_acc": h.train_acc, "test_acc": h.test_acc, "gap": h.gap()}, "instead of calling train"),
])
def test_training_loop_diagnoses(fn, says):
    result, out = quiet(check_training_loop, fn)
    assert result is False and says in out, out
    assert "Step 2" not in out
