"""Argument checks shared by the whole library.

Every public function calls these so that a mistake gets a clear message that names the
argument, the value given and what is allowed, instead of a NaN curve or a numpy traceback.
"""
import numbers

import numpy as np


def check_number(name, value, low=None, high=None, low_open=False, high_open=False):
    """Check that `value` is a real number in [low, high] (or an open end) and return it as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must be in {left}{lo}, {hi}{right}, got {value!r}")
    return value


def check_int(name, value, low=None, high=None):
    """Check that `value` is a whole number in [low, high] and return it as int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {value!r} ({type(value).__name__})")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must be a whole number in [{lo}, {hi}], got {value}")
    return value


def check_choice(name, value, allowed):
    """Check that `value` is one of `allowed` (strings compared case-insensitively)."""
    key = value.lower() if isinstance(value, str) else value
    if key not in allowed:
        raise ValueError(f"unknown {name} {value!r}; allowed: {', '.join(repr(a) for a in allowed)}")
    return key


def check_bool(name, value):
    """Check that `value` is True or False (a string such as "False" would count as true)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def check_inputs(name, x, n_features=None, dtype=None):
    """Check a batch of inputs: a non-empty 2-D float array of finite values, shape (N, n_features).

    dtype: the float type the network computes in; values too large for it (float64 inputs beyond
    float32's 3.4e38) would become inf when cast, so they are rejected here."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(x).__name__}")
    if x.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold numbers (a float array), got dtype {x.dtype}")
    if x.ndim != 2:
        hint = " (flatten images with x.reshape(len(x), -1))" if x.ndim > 2 else ""
        raise ValueError(f"{name} must be 2-D with shape (N, features), got shape {x.shape}{hint}")
    if len(x) == 0:
        raise ValueError(f"{name} is empty (shape {x.shape}); give at least one example")
    if n_features is not None and x.shape[1] != n_features:
        raise ValueError(f"{name} has {x.shape[1]} features per example, the network expects {n_features}")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(f"{name} contains {bad} NaN or inf values; clean the data first")
    if dtype is not None and x.dtype.kind == "f" and x.dtype.itemsize > np.dtype(dtype).itemsize:
        biggest, limit = max(float(x.max()), -float(x.min())), float(np.finfo(dtype).max)
        if biggest > limit:
            raise ValueError(f"{name} has values of magnitude up to {biggest:.3g}, beyond what {np.dtype(dtype).name} holds "
                             f"({limit:.3g}): they would become inf. Scale the inputs (pixels to [0, 1])")
    return x


def check_labels(name, t, n, n_classes):
    """Check labels for n examples: integer class indices (N,) in [0, n_classes) or one-hot (N, n_classes)."""
    if not isinstance(t, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(t).__name__}")
    if len(t) != n:
        raise ValueError(f"x and {name} have different lengths: {n} inputs but {len(t)} labels")
    if t.ndim == 2:
        if t.shape[1] != n_classes:
            raise ValueError(f"one-hot {name} must have shape (N, {n_classes}), got {t.shape}")
        if not np.isfinite(t).all() or not np.all((t == 0) | (t == 1)) or not np.all(t.sum(axis=1) == 1):
            raise ValueError(f"one-hot {name} must have exactly one 1 per row and 0 elsewhere")
        return t.argmax(axis=1)
    if t.ndim != 1:
        raise ValueError(f"{name} must be 1-D class indices (N,) or one-hot (N, {n_classes}), got shape {t.shape}")
    if t.dtype.kind == "f":
        if not np.all(np.isfinite(t)) or not np.all(t == np.round(t)):
            bad = t[~(np.isfinite(t) & (t == np.round(t)))][0]
            raise TypeError(f"{name} must hold whole class numbers, got non-integer values such as {bad} "
                            f"(dtype {t.dtype})")
    elif t.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class numbers, got dtype {t.dtype}")
    lo, hi = t.min(), t.max()
    if lo < 0 or hi >= n_classes:
        raise ValueError(f"{name} must be class numbers in [0, {n_classes - 1}], got values from {lo} to {hi}")
    return t.astype(np.int64, copy=False)
