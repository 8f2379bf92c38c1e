"""The multi-step exercises of chapter 3 (lib/exercises/dropout.py): the bug hunt (SuspectDropout
fixed) and Gaussian dropout.  Each typical mistake fails with its own diagnosis, before any
training; the solutions pass (tests/test_exercises.py runs them from the notebook)."""
import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from lib.exercises.dropout import (SuspectDropout, check_fixed_dropout, check_gaussian_dropout,
                                   dropout_gradient_check, reference_gaussian_forward)
from lib.layers import Dropout


def quiet(check, arg):
    out = io.StringIO()
    with redirect_stdout(out):
        result = check(arg)
    return result, out.getvalue()


def fixed(backward):
    return type("Fixed", (SuspectDropout,), {"backward": lambda self, dout: backward(self, dout)})


def stub(*args):
    raise NotImplementedError("a hint")


def test_the_suspect_layer_fails_its_gradient_check_below_the_first_dropout_layer():
    with redirect_stdout(io.StringIO()):
        differences = dropout_gradient_check(SuspectDropout)
    assert differences["W1"] > 0.1 and differences["W2"] > 0.1      # below a dropout layer
    assert differences["W3"] < 1e-6                                  # above the last one


def test_a_fix_in_forward_is_accepted_too():
    class ScaledMask(SuspectDropout):
        def forward(self, x, train=True):
            if not train:
                return x
            if not (self.frozen and self.mask is not None and self.mask.shape == x.shape):
                self.mask = (self.rng.random(x.shape) >= self.ratio) / (1.0 - self.ratio)
            return x * self.mask
    assert quiet(check_fixed_dropout, ScaledMask)[0] is True


class NoScale(SuspectDropout):
    """A 'fix' that makes the gradient check pass by no longer dividing by (1 - p) in forward."""

    def forward(self, x, train=True):
        if not train:
            return x
        self.mask = (self.rng.random(x.shape) >= self.ratio).astype(x.dtype)
        return x * self.mask


@pytest.mark.parametrize("cls, says", [
    (fixed(stub), "not written yet (a hint)"),
    (SuspectDropout, "lib's backward"),
    (fixed(lambda self, d: d * self.mask), "That is the bug"),
    (fixed(lambda self, d: d * self.mask / (1 - self.ratio) ** 2), "twice"),
    (fixed(lambda self, d: d * self.mask * (1 - self.ratio)), "forward divided by it"),
    (fixed(lambda self, d: d / (1 - self.ratio)), "dropped units get a gradient"),
    (fixed(lambda self, d: d * (self.rng.random(d.shape) >= self.ratio) / (1 - self.ratio)), "fresh mask"),
    (fixed(lambda self, d: None), "did you forget `return`"),
    (NoScale, "Fix the gradient"),
    (fixed(lambda self, d: d * self.mask / self.ratio), "you divided by p"),
    (type("Twice", (SuspectDropout,), {"forward": lambda self, x, train=True: SuspectDropout.forward(
        self, x, train) / (1 - self.ratio)}), "more than once"),
    (type("Unfrozen", (SuspectDropout,), {"forward": lambda self, x, train=True: (
        setattr(self, "mask", (self.rng.random(x.shape) >= self.ratio) / (1 - self.ratio)),
        x * self.mask)[1] if train else x}), "must reuse its last mask"),
    ("SuspectDropout", "pass the class itself"),
])
def test_fixed_dropout_diagnoses(cls, says):
    result, out = quiet(check_fixed_dropout, cls)
    assert result is False and says in out, out


def gaussian(draw=None, test=None, mask=True, frozen=True):
    """A GaussianDropout built from one deviation from the reference."""
    def forward(self, x, train=True):
        if not train:
            return x if test is None else test(self, x)
        if draw is None:
            out = reference_gaussian_forward(self, x, train)
            if not frozen:
                self.mask = None
                out = reference_gaussian_forward(self, x, train)
        else:
            noise = draw(self, x)
            out = x * noise if not callable(getattr(noise, "additive", None)) else noise
            self.mask = noise
        if not mask:
            self.mask = np.ones_like(x)
        return out
    return type("Gaussian", (Dropout,), {"forward": forward})


class GlobalNoise(Dropout):
    """Right in every way but one: the noise comes from np.random, not from the layer's seeded rng."""

    def forward(self, x, train=True):
        if not train:
            return x
        if not (self.frozen and self.mask is not None and self.mask.shape == x.shape):
            self.mask = 1 + np.sqrt(self.ratio / (1 - self.ratio)) * np.random.standard_normal(x.shape)
        return x * self.mask


def normal(self, x):
    return self.rng.standard_normal(x.shape)


@pytest.mark.parametrize("cls, says", [
    (type("S", (Dropout,), {"forward": lambda self, x, train=True: stub()}), "not written yet (a hint)"),
    (Dropout, "only two values"),
    (gaussian(lambda self, x: np.sqrt(self.ratio / (1 - self.ratio)) * normal(self, x)), "mean 1"),
    (gaussian(lambda self, x: 1 + self.ratio * normal(self, x)), "standard deviation is p"),
    (gaussian(lambda self, x: 1 + np.sqrt(self.ratio) * normal(self, x)), "variance is p;"),
    (gaussian(lambda self, x: 1 + self.ratio / (1 - self.ratio) * normal(self, x)), "square root"),
    (gaussian(lambda self, x: 1 + np.sqrt(self.ratio * (1 - self.ratio)) * normal(self, x)), "p(1 − p)"),
    (type("Add", (Dropout,), {"forward": lambda self, x, train=True: x + np.sqrt(
        self.ratio / (1 - self.ratio)) * self.rng.standard_normal(x.shape) if train else x}), "added"),
    (gaussian(test=lambda self, x: x * (1 - self.ratio)), "at test time"),
    (gaussian(mask=False), "self.mask"),
    (gaussian(frozen=False), "reuse its last noise"),
    (type("Same", (Dropout,), {"forward": lambda self, x, train=True: x * (1 + np.sqrt(
        self.ratio / (1 - self.ratio)) * np.random.default_rng(0).standard_normal(x.shape)) if train else x}),
     "keep the noise"),
    (lambda x: x, "pass the class itself"),
    (GlobalNoise, "not from np.random"),
    (type("InPlace", (Dropout,), {"forward": lambda self, x, train=True: x.__imul__(
        reference_gaussian_forward(self, np.ones_like(x))) if train else x}), "changed its input x in place"),
])
def test_gaussian_dropout_diagnoses(cls, says):
    result, out = quiet(check_gaussian_dropout, cls)
    assert result is False and says in out, out
    assert "Step 3" not in out
