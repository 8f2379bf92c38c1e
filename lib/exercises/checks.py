"""The machinery behind the exercise checks: run the reader's code on hidden cases and say
specifically what is wrong (shape, sign, scale, ...) or that it is right.

Each chapter's checks (overfitting.py, penalties.py, ... beside this file) are built from these.
A check prints its verdict and returns True (right) or False (not yet); it never raises, so a
notebook keeps running after an unsolved exercise.
"""
import numpy as np


class Wrong(Exception):
    """Raised inside a check with the message to show the reader."""


def call(fn, *args, **kwargs):
    """Call the reader's function; turn a stub or a crash into a readable Wrong."""
    if not callable(fn):
        raise Wrong(f"expected a function, got {type(fn).__name__} {fn!r}")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as e:
        raise Wrong(f"not written yet ({e})" if str(e) else "not written yet") from None
    except Wrong:
        raise
    except Exception as e:   # the reader's bug: report it instead of a traceback
        raise Wrong(f"your function raised {type(e).__name__}: {e}") from None


def compare(got, expected, what="the result", rtol=1e-5, atol=1e-8):
    """Raise Wrong with a specific diagnosis unless `got` equals `expected` (arrays or numbers)."""
    expected = np.asarray(expected)
    if got is None:
        raise Wrong(f"{what} is None: did you forget `return`?")
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise Wrong(f"{what} should be numbers, got {type(got).__name__}") from None
    if got_arr.shape != expected.shape:
        hint = " (transposed?)" if got_arr.shape == expected.shape[::-1] and got_arr.ndim == 2 else ""
        raise Wrong(f"{what} has shape {got_arr.shape}, expected {expected.shape}{hint}")
    if not np.all(np.isfinite(got_arr)):
        raise Wrong(f"{what} contains NaN or inf")
    if np.allclose(got_arr, expected, rtol=rtol, atol=atol):
        return
    if np.allclose(got_arr, -expected, rtol=rtol, atol=atol):
        raise Wrong(f"{what} has the wrong sign everywhere")
    nz = np.abs(expected) > 1e-12
    if nz.any() and np.all(np.abs(got_arr[~nz]) <= atol):
        ratio = got_arr[nz] / expected[nz]
        if np.allclose(ratio, ratio.flat[0], rtol=1e-4) and ratio.flat[0] != 0:
            raise Wrong(f"{what} is off by a constant factor: yours is {ratio.flat[0]:.4g} times the right value")
    i = np.unravel_index(np.argmax(np.abs(got_arr - expected)), expected.shape) if expected.ndim else ()
    raise Wrong(f"{what} is wrong: at index {tuple(int(k) for k in i)} you give {got_arr[i]:.6g}, "
                f"expected {expected[i]:.6g}")


def net_with_status(status, steps_per_epoch):
    """A MultiLayerNet class whose gradient() moves `status` (a lib.progress.Status counting
    epochs) on by one epoch every `steps_per_epoch` calls: progress while the reader's own loop
    trains, without the loop having to report anything."""
    from ..net import MultiLayerNet

    class WithStatus(MultiLayerNet):
        calls = 0

        def gradient(self, x, t):
            WithStatus.calls += 1
            status.update(WithStatus.calls // steps_per_epoch)
            return super().gradient(x, t)

    return WithStatus


def verdict(exercise, check, success):
    """Run `check()` (which raises Wrong on a mistake); print the outcome; return True/False."""
    try:
        check()
    except Wrong as e:
        print(f"❌ {exercise}: {e}")
        return False
    except Exception as e:   # an odd return value tripped the check itself: never crash the notebook
        print(f"❌ {exercise}: could not check the result ({type(e).__name__}: {e})")
        return False
    print(f"✅ {exercise}: {success}")
    return True
