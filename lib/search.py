"""Choosing hyperparameters on a validation set: random search and fair comparisons.

    trials = random_search(x_train, t_train, x_val, t_val, n_trials=24, seed=0)
    best = best_trial(trials)                  # highest validation accuracy
    records = compare_methods(METHODS, x_train, t_train, x_val, t_val, x_test, t_test, seeds=(0, 1, 2))
    table = summarize(records)                 # {method: {"test_acc": (mean, std), ...}}

A search space is a dict {name: (low, high, scale)} with scale 'log' (sample log10 uniformly:
every decade gets the same share of trials) or 'linear' (uniform).  Names are
MultiLayerNet arguments (weight_decay_lambda, l1_lambda, dropout_ratio) or train arguments (lr).

Every trial record is a plain dict, so a list of them prints as a table and plots easily.
The test set is not used here: tune on validation accuracy, look at the test set once at the end.
"""
import math
import time

import numpy as np

from .argcheck import check_choice, check_int, check_number
from .net import MultiLayerNet
from .optimizers import Adam
from .progress import Status
from .train import TrainingDiverged, evaluate, train

# The book's section 6.5 searches lr in 10^[-6, -2] and weight decay in 10^[-8, -4]; with 200
# epochs of 3 steps the interesting learning rates are larger, so this space starts at 1e-3.
DEFAULT_SPACE = {
    "lr": (1e-3, 1.0, "log"),
    "weight_decay_lambda": (1e-5, 1e-1, "log"),
    "dropout_ratio": (0.0, 0.5, "linear"),
}
NET_ARGS = ("weight_decay_lambda", "l1_lambda", "dropout_ratio", "l1_method", "dropout_mode")
TRAIN_ARGS = ("lr", "epochs", "batch_size", "optimizer", "optimizer_kwargs", "patience", "monitor", "sampling")


def log_uniform(low, high, size=None, rng=None):
    """Samples spread evenly over the decades between low and high: 10 ** U(log10 low, log10 high).

    low, high > 0.  rng: a numpy Generator or a seed.  Returns a float (size None) or an array.
    """
    low = check_number("low", low, 0, low_open=True)
    high = check_number("high", high, 0, low_open=True)
    if high <= low:
        raise ValueError(f"high must be larger than low, got low={low:g}, high={high:g}")
    rng = _rng(rng)
    return 10.0 ** rng.uniform(math.log10(low), math.log10(high), size)


def sample_settings(space, rng):
    """One random setting {name: value} from a search space {name: (low, high, 'log'|'linear')}."""
    rng = _rng(rng)
    settings = {}
    for name, spec in _check_space(space).items():
        low, high, scale = spec
        settings[name] = float(log_uniform(low, high, rng=rng) if scale == "log" else rng.uniform(low, high))
    return settings


def run_one(x_train, t_train, x_val, t_val, settings=None, seed=0, epochs=200, hidden_size_list=None,
            x_test=None, t_test=None, eval_every=None, marks=None, **train_kwargs):
    """Train one network with `settings` (net and train arguments mixed) and return its record.

    The record: the settings, 'seed', 'train_acc', 'val_acc' (None if training diverged),
    'test_acc' (only when x_test is given), 'epochs_run', 'best_epoch' (early stopping), 'diverged',
    'seconds', and 'history'.  The network's seed sets the weights and dropout masks; the same seed
    also sets the mini-batch order.  eval_every: how often the history records the accuracies
    (default: the first and the last epoch); with early stopping (patience) always every epoch.
    marks: epochs (e.g. (200, 300, 400), multiples of eval_every; by default eval_every is then their
    greatest common divisor) at which to measure 'train_acc', 'val_acc' and 'test_acc' during the
    run, stored as record['at'] = {epoch: {key: accuracy}}: one long run then gives the result of
    every shorter budget.  A mark after the run has ended (early stopping) gets the final,
    kept weights' accuracies, since those are what a longer budget would have kept too.
    """
    settings = dict(settings or {})
    net_kwargs = {k: settings[k] for k in settings if k in NET_ARGS}
    run_kwargs = {k: settings[k] for k in settings if k in TRAIN_ARGS}
    unknown = set(settings) - set(NET_ARGS) - set(TRAIN_ARGS)
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; allowed: {', '.join(NET_ARGS + TRAIN_ARGS)}")
    run_kwargs = {"epochs": epochs, **run_kwargs, **train_kwargs}
    if marks:
        marks = sorted(check_int("mark", m, 1, run_kwargs["epochs"]) for m in marks)
    if run_kwargs.get("patience"):   # early stopping counts its patience in epochs: evaluate every epoch
        eval_every = 1
    elif eval_every is None:         # record the first and the last epoch only (and every mark)
        eval_every = math.gcd(*(marks or []), run_kwargs["epochs"])
    if marks and any(m % eval_every and m != run_kwargs["epochs"] for m in marks):
        raise ValueError(f"every mark must be a multiple of eval_every={eval_every} (the epochs that are "
                         f"evaluated), got marks {marks}")
    hidden = [100] * 6 if hidden_size_list is None else hidden_size_list
    net = MultiLayerNet(x_train.shape[1], hidden, 10, seed=seed, **net_kwargs)
    record = {**settings, "seed": seed, "train_acc": None, "val_acc": None, "epochs_run": 0,
              "best_epoch": None, "diverged": False, "history": None}
    at = {}
    if marks:
        user_callback = run_kwargs.pop("callback", None)

        def measure(epoch, history):   # evaluation only: it draws no random numbers, so the run is unchanged
            if epoch in marks:
                at[epoch] = _accuracies(net, x_train, t_train, x_val, t_val, x_test, t_test)
            return None if user_callback is None else user_callback(epoch, history)
        run_kwargs["callback"] = measure
    start = time.perf_counter()
    try:
        history = train(net, x_train, t_train, x_val, t_val, seed=seed, eval_every=eval_every, **run_kwargs)
    except TrainingDiverged:
        record.update(diverged=True, seconds=time.perf_counter() - start)
        return record
    # With early stopping train() has put back the best weights: measure those.
    record.update(**_accuracies(net, x_train, t_train, x_val, t_val, x_test, t_test),
                  epochs_run=history.epoch[-1], best_epoch=history.best_epoch, history=history,
                  seconds=time.perf_counter() - start)
    if marks:   # marks the run did not reach (early stopping): the kept weights' accuracies
        final = {k: record[k] for k in ("train_acc", "val_acc", "test_acc") if k in record}
        record["at"] = {m: at.get(m, final) for m in marks}
    record["net"] = net
    return record


def _accuracies(net, x_train, t_train, x_val, t_val, x_test=None, t_test=None):
    out = {"train_acc": evaluate(net, x_train, t_train)[0], "val_acc": evaluate(net, x_val, t_val)[0]}
    if x_test is not None:
        out["test_acc"] = evaluate(net, x_test, t_test)[0]
    return out


def paired_verdict(a, b):
    """Is a better than b, judged on paired runs (the same seeds)?  a, b: one score per seed, in
    the same seed order.

    The differences d = a - b, seed by seed, are what the judgement rests on: pairing removes the
    part of the seed-to-seed spread that both share.  The interval is mean(d) ± 2 standard errors,
    SE = sd(d) / sqrt(n) (sd with ddof=1; about a 95% interval).  Verdict: 'better' if the whole
    interval is above 0, 'worse' if it is below 0, otherwise 'no clear difference'.

    Returns {'mean', 'sd', 'se', 'low', 'high', 'higher' (seeds where a > b), 'n', 'verdict'}.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError(f"need two 1-d arrays of the same length >= 2 (one score per seed), got {a.shape} and {b.shape}")
    d = a - b
    n = len(d)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    se = sd / math.sqrt(n)
    low, high = mean - 2 * se, mean + 2 * se
    verdict = "better" if low > 0 else "worse" if high < 0 else "no clear difference"
    return {"mean": mean, "sd": sd, "se": se, "low": low, "high": high, "higher": int(np.sum(d > 0)), "n": n,
            "verdict": verdict}


def random_search(x_train, t_train, x_val, t_val, n_trials=20, space=None, seed=0, epochs=200,
                  fixed=None, what="Random search", **train_kwargs):
    """Train n_trials networks with settings drawn from `space`; return their records in order.

    space: {name: (low, high, 'log'|'linear')}, DEFAULT_SPACE if None.  fixed: settings shared by
    every trial (e.g. {'optimizer': 'adam'}).  seed: draws the settings; every trial's network
    starts from the same weights (seed) so that the trials differ only in their settings.
    A trial whose loss blows up is kept with diverged=True and val_acc=None.
    Each record: {'trial': i, <settings>, 'train_acc', 'val_acc', 'diverged', 'seconds', ...}.
    """
    n_trials = check_int("n_trials", n_trials, 1)
    space = _check_space(DEFAULT_SPACE if space is None else space)
    rng = np.random.default_rng(check_int("seed", seed, 0))
    status = Status(what, n_trials)
    status.update(0)
    trials, best = [], None
    for i in range(n_trials):
        settings = {**(fixed or {}), **sample_settings(space, rng)}
        record = {"trial": i, **run_one(x_train, t_train, x_val, t_val, settings, seed=seed, epochs=epochs,
                                        **train_kwargs)}
        record.pop("net", None)   # keep the records light: the weights of every trial are not needed
        trials.append(record)
        if record["val_acc"] is not None and (best is None or record["val_acc"] > best):
            best = record["val_acc"]
        status.update(i + 1, f"best validation accuracy {best:.3f}" if best is not None else "")
    status.finish(f"Best validation accuracy {best:.3f}." if best is not None else "Every trial diverged.")
    return trials


def best_trial(trials, key="val_acc"):
    """The record with the highest `key` (validation accuracy by default), skipping diverged ones."""
    done = [r for r in trials if r.get(key) is not None]
    if not done:
        raise ValueError(f"no trial has a {key} (did every trial diverge?)")
    return max(done, key=lambda r: r[key])


def compare_methods(methods, x_train, t_train, x_val, t_val, x_test=None, t_test=None, seeds=(0, 1, 2),
                    epochs=200, what="Comparing methods", **train_kwargs):
    """Train every method with every seed on the same data; return one record per (method, seed).

    methods: {name: settings dict} (net and train arguments, e.g. {'weight_decay_lambda': 0.01}
    or {'patience': 20}).  Every method gets the same data, the same seeds (initial weights,
    mini-batch order) and the same epoch budget, so the differences are the methods'.
    Each record is run_one's record plus 'method'.
    """
    if not isinstance(methods, dict) or not methods:
        raise TypeError(f"methods must be a non-empty dict {{name: settings}}, got {methods!r}")
    seeds = [check_int("seed", s, 0) for s in seeds]
    status = Status(what, len(methods) * len(seeds))
    status.update(0)
    records = []
    for name, settings in methods.items():
        for seed in seeds:
            record = run_one(x_train, t_train, x_val, t_val, settings, seed=seed, epochs=epochs,
                             x_test=x_test, t_test=t_test, **train_kwargs)
            record.pop("net", None)
            records.append({"method": name, **record})
            status.update(len(records), name)
    status.finish()
    return records


def summarize(records, keys=("train_acc", "val_acc", "test_acc"), by="method"):
    """{group: {key: (mean, std over the records of that group)}}, groups in first-seen order.

    The std is the sample standard deviation (ddof=1) when a group has two or more records.
    """
    groups = {}
    for r in records:
        groups.setdefault(r[by], []).append(r)
    out = {}
    for name, rs in groups.items():
        out[name] = {}
        for key in keys:
            values = [r[key] for r in rs if r.get(key) is not None]
            if values:
                std = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
                out[name][key] = (float(np.mean(values)), std)
        out[name]["n"] = len(rs)
    return out


def format_table(summary, keys=("train_acc", "val_acc", "test_acc"), names=None):
    """The summary as a text table: one row per method, 'mean ± std' per column."""
    names = names or {"train_acc": "train", "val_acc": "validation", "test_acc": "test"}
    width = max(len(m) for m in summary) + 2
    lines = [f"{'method':<{width}}" + "".join(f"{names.get(k, k):>17}" for k in keys)]
    for method, row in summary.items():
        cells = "".join(f"{row[k][0]:>10.3f} ± {row[k][1]:.3f}" if k in row else f"{'-':>17}" for k in keys)
        lines.append(f"{method:<{width}}" + cells)
    return "\n".join(lines)


def grid_position(values, scores):
    """Where the best score sits in a grid: (index of the best value, 'lower edge' | 'upper edge' |
    'interior').  values: the grid, increasing; scores: one (mean) score per value.

    If the best value is on an edge, the search is not finished: a value beyond that edge might
    be better still.  A grid of one value is all edge.
    """
    values, scores = list(values), [float(s) for s in scores]
    if len(values) != len(scores) or not values:
        raise ValueError(f"need one score per grid value, got {len(values)} values and {len(scores)} scores")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"the grid values must increase, got {values}")
    i = int(np.argmax(scores))
    if i == 0:
        return i, "lower edge"
    if i == len(values) - 1:
        return i, "upper edge"
    return i, "interior"


def search_until_interior(key, values, x_train, t_train, x_val, t_val, fixed=None, scale="log", limits=(None, None),
                          seeds=(0, 1), epochs=200, max_rounds=5, what="Grid", **train_kwargs):
    """Grid search over one strength `key` that extends its grid while the best value is on an edge.

    values: the first grid (increasing).  A round trains every new value with every seed
    (compare_methods) and scores each value by its mean validation accuracy over the seeds.  If the
    best is on an edge, the next value beyond it is added (log scale: one more average factor of
    the first grid, rounded to 1, 3, 10, 30, ...; linear: one more step values[1] - values[0]);
    it stops when the best is interior, after max_rounds, or when the next value would leave
    `limits` (low, high), the allowed range of the strength (then the edge is that limit, and the
    result says so).  fixed: settings shared by every run (e.g. {'lr': 0.16}).

    Returns {'key', 'values' (sorted), 'scores' (mean per value), 'stds', 'per_seed' {value: [accs]},
    'records' (every run, with 'value'), 'rounds' [(grid, best value, position)], 'best', 'position',
    'finished' (True when the best is interior), 'tied' (the values whose mean is within one
    standard deviation over the seeds of the best mean: the validation data cannot rank them)}.
    """
    values = sorted(float(v) for v in values)
    if len(values) < 2:
        raise ValueError(f"the first grid needs at least two values, got {values}")
    scale = check_choice("scale", scale, ("log", "linear"))
    low_limit, high_limit = limits
    seeds = [check_int("seed", s, 0) for s in seeds]
    max_rounds = check_int("max_rounds", max_rounds, 1)
    step = (values[-1] / values[0]) ** (1 / (len(values) - 1)) if scale == "log" else values[1] - values[0]
    records, per_seed, rounds = [], {}, []
    todo = list(values)
    for round_no in range(1, max_rounds + 1):
        runs = compare_methods({v: {**(fixed or {}), key: v} for v in todo}, x_train, t_train, x_val, t_val,
                               seeds=seeds, epochs=epochs, what=f"{what}, round {round_no}", **train_kwargs)
        for r in runs:
            r["value"] = r.pop("method")
            per_seed.setdefault(r["value"], []).append(r["val_acc"] if r["val_acc"] is not None else 0.0)
        records += runs
        grid = sorted(per_seed)
        scores = [float(np.mean(per_seed[v])) for v in grid]
        i, position = grid_position(grid, scores)
        rounds.append((tuple(grid), grid[i], position))
        if position == "interior":
            break
        nxt = (grid[0] / step if scale == "log" else grid[0] - step) if position == "lower edge" else \
              (grid[-1] * step if scale == "log" else grid[-1] + step)
        # a round number: log scale on the 1-3-10 ladder (half decades), linear to 6 digits
        nxt = float(f"{10 ** (round(2 * math.log10(nxt)) / 2):.1g}") if scale == "log" else float(f"{nxt:.6g}")
        if (low_limit is not None and nxt < low_limit) or (high_limit is not None and nxt > high_limit):
            break
        todo = [nxt]
    grid = sorted(per_seed)
    scores = [float(np.mean(per_seed[v])) for v in grid]
    stds = [float(np.std(per_seed[v], ddof=1)) if len(per_seed[v]) > 1 else 0.0 for v in grid]
    i, position = grid_position(grid, scores)
    tied = [v for v, m in zip(grid, scores) if m >= scores[i] - stds[i]]
    return {"key": key, "values": grid, "scores": scores, "stds": stds, "per_seed": per_seed, "records": records,
            "rounds": rounds, "best": grid[i], "position": position, "finished": position == "interior",
            "tied": tied}


def shrinkage_demo(grad_scales=(1.0, 0.01), strength=0.1, lr=1e-3, steps=1000, seed=0):
    """How far a penalty pulls each weight under Adam + L2 and under AdamW, for weights whose
    data gradients have very different sizes.

    Every weight starts at 1.  Its data gradient is noise: scale * N(0, 1), the same draws for
    every run, with mean 0 so the data does not pull the weight anywhere.  Three runs of Adam:
    no penalty; an L2 term strength * w added to the gradient ('adam+L2'); decoupled decay
    w <- w - lr * strength * w after each step ('adamw').  The shrinkage caused by the penalty is
    w(no penalty) - w(with penalty), so the noise's own random walk cancels out.

    Returns {'steps': (steps + 1,), 'scales': tuple, 'adam+L2': (steps + 1, k), 'adamw': ...,
    'none': ...}: the weights over time, one column per gradient scale.
    """
    scales = np.asarray([check_number("grad_scales", s, 0, low_open=True) for s in grad_scales], dtype=float)
    strength = check_number("strength", strength, 0)
    lr = check_number("lr", lr, 0, low_open=True)
    steps = check_int("steps", steps, 1)
    noise = np.random.default_rng(check_int("seed", seed, 0)).standard_normal((steps, len(scales))) * scales
    out = {"steps": np.arange(steps + 1), "scales": tuple(float(s) for s in scales)}
    for kind in ("none", "adam+L2", "adamw"):
        opt = Adam(lr=lr, weight_decay=strength if kind == "adamw" else 0.0)
        params = {"W": np.ones(len(scales))}
        path = [params["W"].copy()]
        for g in noise:
            grad = g + strength * params["W"] if kind == "adam+L2" else g
            opt.update(params, {"W": grad})
            path.append(params["W"].copy())
        out[kind] = np.array(path)
    return out


def value_by_size(methods, x_pool, t_pool, x_val, t_val, sizes=(300, 1000, 4000), steps=600, batch_size=100,
                  seeds=(0, 1), what="Training on growing training sets"):
    """Train every method on random subsets of growing size, each for the same number of
    gradient steps (equal compute: epochs = steps * batch_size / size, at least 1).

    Returns (records, summaries): records as compare_methods' plus 'size' and 'epochs';
    summaries {size: summarize(records of that size)}.
    """
    steps = check_int("steps", steps, 1)
    sizes = [check_int("size", n, 1, len(x_pool)) for n in sizes]
    seeds = [check_int("seed", s, 0) for s in seeds]
    status = Status(what, len(sizes) * len(methods) * len(seeds))
    status.update(0)
    records = []
    for n in sizes:
        x_n, t_n = x_pool[:n], t_pool[:n]
        epochs = max(1, round(steps * batch_size / n))
        for name, settings in methods.items():
            for seed in seeds:
                record = run_one(x_n, t_n, x_val, t_val, settings, seed=seed, epochs=epochs, batch_size=batch_size)
                record.pop("net", None)
                records.append({"method": name, "size": n, "epochs": epochs, **record})
                status.update(len(records), f"{n:,} images, {name}")
    status.finish()
    summaries = {n: summarize([r for r in records if r["size"] == n]) for n in sizes}
    return records, summaries


def drop_overlap(x_pool, t_pool, x_other):
    """x_pool, t_pool without the examples whose pixels equal one in x_other (e.g. the validation
    images, which the bundled 5,000 share with the full 60,000).  Returns (x, t, n_dropped)."""
    seen = {row.tobytes() for row in np.asarray(x_other)}
    keep = np.array([row.tobytes() not in seen for row in np.asarray(x_pool)], dtype=bool)
    return x_pool[keep], t_pool[keep], int(np.count_nonzero(~keep))


def _check_space(space):
    if not isinstance(space, dict) or not space:
        raise TypeError(f"space must be a non-empty dict {{name: (low, high, 'log' or 'linear')}}, got {space!r}")
    for name, spec in space.items():
        if not (isinstance(spec, tuple) and len(spec) == 3):
            raise ValueError(f"space[{name!r}] must be a tuple (low, high, 'log' or 'linear'), got {spec!r}")
        low, high, scale = spec
        scale = check_choice(f"scale of {name}", scale, ("log", "linear"))
        if scale == "log":   # a log scale needs positive ends
            check_number(f"low of {name}", low, 0, low_open=True)
        else:
            check_number(f"low of {name}", low)
        check_number(f"high of {name}", high)
        if high <= low:
            raise ValueError(f"space[{name!r}]: high must be larger than low, got ({low!r}, {high!r})")
    return space


def _rng(rng):
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        raise TypeError("rng must be a numpy Generator or a seed (an int); every random draw is seeded")
    return np.random.default_rng(check_int("rng", rng, 0))
