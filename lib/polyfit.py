"""Overfitting in miniature: fit polynomials of growing degree to a dozen noisy points.

    x, y = make_data(12, seed=0)              # training points: y = sin(2 pi x) + noise
    x_test, y_test = make_test()              # 1,000 fresh points from the same source
    p = fit(x, y, degree=3)                   # least squares, numpy.polynomial.Polynomial
    mse(p, x, y), mse(p, x_test, y_test)      # training error, test error
    errors_by_degree(x, y, x_test, y_test)    # both errors for degree 0, 1, ..., n - 1
    fit_figure(12, 3)                         # the fit (left) and the errors by degree (right)
    polyfit_panel()                           # the same figure with sliders, redrawn at once

The data: x uniform in [0, 1], y = sin(2 pi x) + Gaussian noise with standard deviation NOISE.
No polynomial can predict the noise, so the best possible test error is NOISE**2 (the dotted
line in the figures).  With n points, degree n - 1 has n coefficients and passes through every
point: training error 0, whatever the noise was.

Fitting uses Polynomial.fit, which maps the data's x range onto [-1, 1] before solving the least
squares problem; without that scaling the high powers of x in [0, 1] are nearly parallel columns
and the solution is noise (numpy warns "RankWarning: The fit may be poorly conditioned").
"""
import numpy as np
from numpy.polynomial import Polynomial

from .argcheck import check_int, check_number
from .plots import TEST_COLOR, TRAIN_COLOR, new_figure, to_png, with_fonts

NOISE = 0.25          # standard deviation of the noise added to sin(2 pi x)
N_TEST = 1000         # points in the test set
MAX_DEGREE = 15       # the highest degree the figures and the panel offer
FLOOR = 1e-4          # errors below this are drawn at this height on the log axis ("about 0")


def true_curve(x):
    """The smooth curve behind the data: sin(2 pi x)."""
    return np.sin(2 * np.pi * np.asarray(x, dtype=np.float64))


def make_data(n, noise=NOISE, seed=0):
    """n points (x, y): x uniform in [0, 1], y = sin(2 pi x) + N(0, noise^2) noise. Both (n,).

    The x values and the noise come from two separate streams of `seed`, so make_data(13) is
    make_data(12) plus one more point: a slider that adds points keeps the ones already drawn.
    """
    n = check_int("n", n, 2)
    noise = check_number("noise", noise, 0)
    seed = check_int("seed", seed, 0)
    x = np.random.default_rng([seed, 0]).uniform(0, 1, n)
    y = true_curve(x) + noise * np.random.default_rng([seed, 1]).standard_normal(n)
    return x, y


def make_test(n=N_TEST, noise=NOISE, seed=12345):
    """A test set: n fresh points from the same source as make_data (another seed)."""
    return make_data(n, noise, seed)


def fit(x, y, degree):
    """The least-squares polynomial of `degree` through the points (x, y): a numpy Polynomial.

    Needs at least degree + 1 distinct x values (with fewer, infinitely many polynomials fit
    exactly and least squares cannot pick one).  Call it like a function: fit(x, y, 3)(0.5).
    """
    x, y = _points(x, y)
    degree = check_int("degree", degree, 0)
    distinct = len(np.unique(x))
    if degree + 1 > distinct:
        raise ValueError(f"degree={degree} needs at least {degree + 1} distinct x values, got {distinct}; "
                         f"use degree <= {distinct - 1} (degree {distinct - 1} already passes through every point)")
    return Polynomial.fit(x, y, degree)


def mse(poly, x, y):
    """Mean squared error of a polynomial on the points (x, y): mean((poly(x) - y)^2)."""
    x, y = _points(x, y)
    return float(np.mean((poly(x) - y) ** 2))


def errors_by_degree(x, y, x_test, y_test, degrees=None):
    """(degrees, train MSE, test MSE) for each degree (default 0 .. min(n - 1, MAX_DEGREE))."""
    x, y = _points(x, y)
    if degrees is None:
        degrees = np.arange(min(len(x) - 1, MAX_DEGREE) + 1)
    degrees = np.asarray(degrees)
    fits = [fit(x, y, int(d)) for d in degrees]
    return (degrees, np.array([mse(p, x, y) for p in fits]),
            np.array([mse(p, x_test, y_test) for p in fits]))


# --- figures -----------------------------------------------------------------------------------
def draw_fit(ax, x, y, degree, x_test=None, y_test=None, title=True):
    """On one axes: the true curve, the training points and the fitted polynomial of `degree`."""
    grid = np.linspace(0, 1, 400)
    p = fit(x, y, degree)
    ax.plot(grid, true_curve(grid), color="grey", lw=2, ls=":", label="true curve sin(2πx)")
    ax.plot(grid, p(grid), color=TRAIN_COLOR, lw=2.4, label=f"degree-{degree} fit")
    ax.plot(x, y, "o", color="black", ms=7, label=f"{len(x)} training points")
    ax.set(xlim=(0, 1), ylim=(-2.2, 2.2), xlabel="x", ylabel="y")
    ax.grid(alpha=0.3)
    if title:
        text = f"degree {degree}: train MSE {mse(p, x, y):.3f}"
        if x_test is not None:
            text += f", test MSE {mse(p, x_test, y_test):.3f}"
        ax.set_title(text)
    return p


def draw_errors(ax, x, y, x_test, y_test, degree=None, noise=NOISE):
    """On one axes: train and test MSE against the degree (log scale), the noise level dotted."""
    degrees, train_err, test_err = errors_by_degree(x, y, x_test, y_test)
    zero = " (≈ 0 drawn at 10⁻⁴)" if np.any(train_err < FLOOR) else ""
    ax.plot(degrees, np.maximum(train_err, FLOOR), "o-", color=TRAIN_COLOR, lw=2, label=f"train MSE{zero}")
    ax.plot(degrees, np.maximum(test_err, FLOOR), "s--", color=TEST_COLOR, lw=2, label="test MSE")
    ax.axhline(noise ** 2, color="grey", ls=":", lw=1.5, label=f"noise level σ² = {noise ** 2:.4g}")
    if degree is not None:
        ax.axvline(degree, color="black", lw=1, alpha=0.5)
    ax.set_yscale("log")
    ax.set(xlabel="polynomial degree", ylabel="mean squared error (log scale)",
           ylim=(FLOOR / 2, 1e3), xlim=(-0.5, max(degrees.max(), 1) + 0.5),
           title=f"Errors by degree, {len(x)} training points")
    ax.set_xticks(degrees[::2] if len(degrees) > 10 else degrees)
    ax.grid(alpha=0.3, which="major")
    ax.legend(loc="upper left", fontsize=10)
    return degrees, train_err, test_err


@with_fonts
def fit_figure(n_points=12, degree=3, seed=0, noise=NOISE, width=12, height=4.6):
    """The fit of `degree` to n_points (left) and the train/test error by degree (right)."""
    x, y = make_data(n_points, noise, seed)
    x_test, y_test = make_test(noise=noise)
    fig, (left, right) = new_figure(width, height, ncols=2)
    draw_fit(left, x, y, degree, x_test, y_test)
    left.legend(loc="lower left", fontsize=10)
    draw_errors(right, x, y, x_test, y_test, degree, noise)
    return fig


@with_fonts
def degrees_figure(degrees=(1, 3, 9, 11), n_points=12, seed=0, noise=NOISE, width=14, height=3.8):
    """Small multiples: the fits of several degrees to the same points, train/test MSE in the titles."""
    x, y = make_data(n_points, noise, seed)
    x_test, y_test = make_test(noise=noise)
    fig, axes = new_figure(width, height, ncols=len(degrees), sharey=True)
    for ax, d in zip(np.atleast_1d(axes), degrees):
        p = draw_fit(ax, x, y, d, title=False)
        ax.set_title(f"degree {d}\ntrain {mse(p, x, y):.3f} · test {mse(p, x_test, y_test):.3f}")
    np.atleast_1d(axes)[0].legend(loc="lower left", fontsize=9)
    fig.suptitle(f"Least-squares polynomials through the same {n_points} noisy points (MSE in the titles)")
    return fig


# --- the panel ---------------------------------------------------------------------------------
class PolyfitPanel:
    """Two sliders (degree, number of points) and the fit figure, redrawn on every change.

    A redraw takes a fraction of a second (no training), done when a slider is released.
    .controls: {"degree": IntSlider, "n_points": IntSlider}; .image: ipywidgets.Image;
    .set(degree=..., n_points=...) moves the sliders from code.  Works with ipywidgets 7.7 and 8.
    """

    def __init__(self, n_points=12, degree=3, seed=0, noise=NOISE, dpi=80):
        import ipywidgets as widgets
        n_points = check_int("n_points", n_points, 2, 60)
        degree = check_int("degree", degree, 0, min(n_points - 1, MAX_DEGREE))
        self.seed, self.noise, self.dpi = seed, noise, dpi
        style = {"description_width": "initial"}
        self.controls = {
            "degree": widgets.IntSlider(value=degree, min=0, max=min(n_points - 1, MAX_DEGREE),
                                        description="polynomial degree", style=style,
                                        continuous_update=False),
            "n_points": widgets.IntSlider(value=n_points, min=4, max=60,
                                          description="training points", style=style,
                                          continuous_update=False),
        }
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.controls["degree"].observe(self._redraw, names="value")
        self.controls["n_points"].observe(self._on_points, names="value")
        self.widget = widgets.VBox([widgets.HBox(list(self.controls.values())), self.image])
        self._redraw()

    def _on_points(self, change=None):
        # degree n - 1 already interpolates: the degree slider stops there
        # (lowering max below the value moves the value, which redraws once more)
        self.controls["degree"].max = min(self.controls["n_points"].value - 1, MAX_DEGREE)
        self._redraw()

    def _redraw(self, change=None):
        fig = fit_figure(self.controls["n_points"].value, self.controls["degree"].value,
                         self.seed, self.noise, width=11, height=4.2)
        fig.set_layout_engine(None)          # fixed margins: a third faster than constrained layout
        fig.subplots_adjust(left=0.06, right=0.99, bottom=0.12, top=0.92, wspace=0.2)
        self.image.value = to_png(fig, dpi=self.dpi)

    def set(self, **values):
        """Move the sliders, e.g. panel.set(degree=9, n_points=30)."""
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(f"unknown setting {name!r}; the settings are {list(self.controls)}")
            control = self.controls[name]
            if name == "degree":
                top = min(self.controls["n_points"].value - 1, MAX_DEGREE) if "n_points" not in values \
                    else min(values["n_points"] - 1, MAX_DEGREE)
                check_int("degree", value, 0, top)
            else:
                check_int(name, value, control.min, control.max)
        if "n_points" in values:
            self.controls["n_points"].value = values["n_points"]
        if "degree" in values:
            self.controls["degree"].value = values["degree"]

    def _ipython_display_(self):
        """Show the widgets, with a still PNG of the figure for front ends that cannot run them."""
        from .widget_view import show
        show(self.widget, self.image.value, "Polynomial panel: run the cell to use its sliders.")


def polyfit_panel(n_points=12, degree=3, seed=0):
    """The polynomial panel: sliders for the degree and the number of training points."""
    return PolyfitPanel(n_points, degree, seed)


def _points(x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"x and y must be 1-D arrays, got shapes {x.shape} and {y.shape}")
    if len(x) != len(y):
        raise ValueError(f"x and y have different lengths: {len(x)} and {len(y)}")
    if len(x) == 0:
        raise ValueError("x and y are empty; give at least one point")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite numbers (found NaN or inf)")
    return x, y
