"""The multi-step exercise of chapter 4 (lib/exercises/choosing.py): a validation search with
early stopping written from the loop up.  The reference agrees with lib.train(patience=...);
each typical mistake fails with its own diagnosis before the run on the chapter's split."""
import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from lib.exercises.choosing import check_search, reference_search


def quiet(fn):
    out = io.StringIO()
    with redirect_stdout(out):
        result = check_search(fn)
    return result, out.getvalue()


def variant(**mistake):
    return lambda *args: reference_search(*args, **mistake)


def stub(*args):
    raise NotImplementedError("a hint")


def chose_worst(*args):
    best, runs = reference_search(*args)
    return min(runs, key=lambda lam: runs[lam][2]), runs


def one_net_for_all(make_net, lams, *rest):
    net = make_net(lams[0])
    return reference_search(lambda lam: net, lams, *rest)


def copies_by_reference(make_net, *rest):
    def make(lam):
        net = make_net(lam)
        net.copy_params = lambda: net.params          # best_params = net.params: no copy
        return net
    return reference_search(make, *rest)


def last_of_equals(*args):
    best, runs = reference_search(*args)
    return max(reversed(list(runs)), key=lambda lam: runs[lam][2]), runs


def replaces_the_arrays(make_net, lams, x, t, *rest):
    """Steps with net.params[key] = net.params[key] - ...: the layers keep the old arrays."""
    def make(lam):
        net = make_net(lam)
        net.params = dict(net.params)           # what the first rebinding step leads to
        for key in net.params:
            net.params[key] = net.params[key] - 0.0
        return net
    return reference_search(make, lams, x, t, *rest)


def lib_train(make_net, lams, x, t, x_val, t_val, epochs, patience, lr, batch_size, seed):
    from lib import train
    runs = {}
    for lam in lams:
        net = make_net(lam)
        h = train(net, x, t, x_val, t_val, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                  patience=patience)
        runs[lam] = (h.best_epoch, h.epoch[-1], net.accuracy(x_val, t_val))
    return max(lams, key=lambda lam: runs[lam][2]), runs


@pytest.mark.parametrize("fn, says", [
    (stub, "not written yet (a hint)"),
    (lambda *a: None, "did you forget `return`"),
    (lambda *a: [0.0, {}], "return a pair"),
    (lambda make, lams, *a: (lams[0], {lams[0]: (1, 1, 0.5)}), "runs lacks the λ"),
    (variant(fresh_rng=False), "fresh np.random.default_rng(seed) for every run"),
    (variant(strict=False), "a tie counted as a new best"),
    (variant(late_by=1), "one epoch late"),
    (variant(late_by=-1), "one epoch early"),
    (variant(restore=False), "put them back"),
    (copies_by_reference, "keep a copy"),
    (chose_worst, "has the highest validation accuracy"),
    (one_net_for_all, "its own network, make_net(lam)"),
    (lib_train, "instead of calling train"),
    (last_of_equals, "choose the first of equals"),
    (replaces_the_arrays, "Update in place"),
])
def test_search_diagnoses(fn, says):
    result, out = quiet(fn)
    assert result is False and says in out, out
    assert "Step 2" not in out


def test_the_reference_is_lib_train_with_patience():
    """reference_search agrees with train(..., patience=...) run by run (the check relies on it)."""
    from lib import MultiLayerNet, train
    rng = np.random.default_rng(1)
    x, t = rng.random((40, 8)), rng.integers(0, 3, 40)
    x_val, t_val = rng.random((25, 8)), rng.integers(0, 3, 25)
    make = lambda lam: MultiLayerNet(8, [10], 3, seed=2, dtype=np.float64, weight_decay_lambda=lam)  # noqa: E731
    best, runs = reference_search(make, (0.0, 0.3), x, t, x_val, t_val, 30, 3, 0.5, 16, 4)
    for lam in (0.0, 0.3):
        net = make(lam)
        h = train(net, x, t, x_val, t_val, epochs=30, lr=0.5, batch_size=16, seed=4, patience=3)
        assert runs[lam] == (h.best_epoch, h.epoch[-1], net.accuracy(x_val, t_val))
    assert best == max((0.0, 0.3), key=lambda lam: runs[lam][2])
