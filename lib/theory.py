"""The theory that ties the chapters together, on models small enough to check exactly.

Penalties as priors (chapter 2).  The series minimizes a MEAN loss over n training examples plus a
penalty, E(W) + penalty(W).  Multiplied by n that is -log likelihood - log prior, so
    L2  0.5*lam*|W|^2  <->  Gaussian prior N(0, s2) on every weight, variance s2 = 1/(n*lam)
    L1  lam*|W|_1      <->  Laplace prior with density exp(-|w|/b)/(2b),  scale b  = 1/(n*lam)
    prior_scale(penalty, lam, n)        s2 (L2) or b (L1)
    neg_log_prior(W, penalty, lam, n)   -log p(W) = n * penalty(W) + a constant (checked in tests)
    prior_density(w, penalty, lam, n)   p(w) for one weight, for drawing

Dropout as an adaptive L2 penalty (chapter 3).  Inverted dropout on the inputs of a linear model,
x_tilde = m * x / (1 - p) with m_j ~ Bernoulli(1 - p), keeps E[w.x_tilde] = w.x and adds variance
    Var[w.x_tilde] = p/(1-p) * sum_j w_j^2 x_j^2             dropout_variance(w, x, p)
    squared loss:  E[(y - w.x_tilde)^2] = (y - w.x)^2 + Var    (exact)
    logistic loss: E[loss] ~ loss(w.x) + 0.5 * s(1-s) * Var    (second order; s = sigmoid(w.x))
    dropout_loss_mc(...)                Monte-Carlo average over masks of either loss
    dropout_loss_formula(...)           the right-hand sides above
    dropout_ridge(x, y, p)              argmin of the expected squared dropout loss (closed form)
    train_linear_dropout(x, y, p, ...)  gradient descent with a fresh mask per example and step

Early stopping as L2 (chapter 4; Goodfellow, Bengio and Courville, section 7.8).  On the quadratic
loss 1/(2n)|Xw - y|^2, gradient descent from w = 0 with rate lr for `steps` steps keeps the share
1 - (1 - lr*h)^steps of the solution along a direction of curvature h; ridge with penalty
lam/2 |w|^2 keeps h / (h + lam).  Both are ~ 1 for h >> lam and ~ h/lam for h << lam if
    lam = 1 / (lr * steps)              early_stopping_lambda(lr, steps)
    gd_weights(x, y, lr, steps), ridge_weights(x, y, lam), gd_keep(h, lr, steps), ridge_keep(h, lam)

From scratch to the frameworks (chapter 4).
    keras_l2(W, l2)                     Keras' regularizers.l2(l2): value l2*sum(W^2), gradient 2*l2*W
    decay_step(params, lr, weight_decay, biases)  one SGD weight-decay step as PyTorch does it
                                        (biases too, unless excluded by parameter groups)
    adam_l2_vs_adamw(...)               lib's Adam with an L2 term against AdamW on a tiny quadratic
"""
import numpy as np

from .argcheck import check_bool, check_choice, check_int, check_number
from .optimizers import Adam, AdamW


# --- penalties as priors -------------------------------------------------------------------------
def prior_scale(penalty, lam, n_train):
    """The prior's scale: Gaussian variance 1/(n_train*lam) for 'L2', Laplace scale 1/(n_train*lam) for 'L1'."""
    check_choice("penalty", penalty, ("l2", "l1"))
    lam = check_number("lam", lam, 0, low_open=True)
    n_train = check_int("n_train", n_train, 1)
    return 1.0 / (n_train * lam)


def neg_log_prior(W, penalty, lam, n_train):
    """-log p(W) summed over all entries of W (any shape), from the density itself:
    Gaussian: sum w^2/(2 s2) + 0.5 log(2 pi s2) per weight;  Laplace: sum |w|/b + log(2b) per weight."""
    scale = prior_scale(penalty, lam, n_train)
    W = np.asarray(W, dtype=np.float64)
    if penalty.lower() == "l2":
        return float(np.sum(W ** 2) / (2 * scale) + W.size * 0.5 * np.log(2 * np.pi * scale))
    return float(np.sum(np.abs(W)) / scale + W.size * np.log(2 * scale))


def prior_density(w, penalty, lam, n_train):
    """p(w) for one weight, elementwise over an array w: the curve to draw."""
    scale = prior_scale(penalty, lam, n_train)
    w = np.asarray(w, dtype=np.float64)
    if penalty.lower() == "l2":
        return np.exp(-w ** 2 / (2 * scale)) / np.sqrt(2 * np.pi * scale)
    return np.exp(-np.abs(w) / scale) / (2 * scale)


# --- dropout as an adaptive L2 penalty -----------------------------------------------------------
def _check_linear(w, x, y=None):
    w, x = np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or w.ndim != 1 or x.shape[1] != len(w):
        raise ValueError(f"need x of shape (N, D) and w of shape (D,), got x {x.shape} and w {w.shape}")
    if y is not None:
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (len(x),):
            raise ValueError(f"y must have shape (N,) = ({len(x)},), got {y.shape}")
    return w, x, y


def dropout_variance(w, x, p):
    """Var over masks of w . x_tilde for inverted input dropout: p/(1-p) * sum_j w_j^2 x_j^2.
    w (D,), x (N, D) -> (N,)."""
    w, x, _ = _check_linear(w, x)
    p = check_number("p", p, 0, 1, high_open=True)
    return p / (1 - p) * (x ** 2) @ (w ** 2)


def _loss(z, y, loss):
    if loss == "squared":
        return (y - z) ** 2
    return np.logaddexp(0, z) - y * z          # logistic loss for y in {0, 1}, z = logit


def dropout_loss_mc(w, x, y, p, loss="squared", n_masks=10000, seed=0):
    """Monte-Carlo E_mask[loss(y, w . (m * x)/(1-p))] per example, m_j ~ Bernoulli(1-p).
    w (D,), x (N, D), y (N,) (0/1 for 'logistic') -> (N,)."""
    w, x, y = _check_linear(w, x, y)
    p = check_number("p", p, 0, 1, high_open=True)
    loss = check_choice("loss", loss, ("squared", "logistic"))
    n_masks = check_int("n_masks", n_masks, 1)
    rng = np.random.default_rng(seed)
    keep = rng.random((n_masks,) + x.shape) >= p                  # (n_masks, N, D)
    z = (keep * x) @ w / (1 - p)                                  # (n_masks, N)
    return _loss(z, y, loss).mean(axis=0)


def dropout_loss_formula(w, x, y, p, loss="squared"):
    """loss(y, w . x) + the dropout penalty, per example: (N,).
    squared: + Var (exact);  logistic: + 0.5 * s(1-s) * Var, s = sigmoid(w . x) (second order)."""
    w, x, y = _check_linear(w, x, y)
    loss = check_choice("loss", loss, ("squared", "logistic"))
    z, var = x @ w, dropout_variance(w, x, p)
    if loss == "squared":
        return _loss(z, y, loss) + var
    s = 1 / (1 + np.exp(-z))
    return _loss(z, y, loss) + 0.5 * s * (1 - s) * var


def dropout_ridge(x, y, p):
    """argmin_w mean_i (y_i - w.x_i)^2 + p/(1-p) sum_j w_j^2 mean_i x_ij^2: the minimum of the
    expected squared dropout loss, an L2 penalty whose strength per weight is set by its feature's
    mean square.  x (N, D), y (N,) -> w (D,)."""
    _, x, y = _check_linear(np.zeros(np.shape(x)[-1]), x, y)
    p = check_number("p", p, 0, 1, high_open=True)
    H = x.T @ x / len(x)
    return np.linalg.solve(H + p / (1 - p) * np.diag(np.diag(H)), x.T @ y / len(x))


def train_linear_dropout(x, y, p, lr=0.05, steps=2000, seed=0):
    """Gradient descent on mean_i (y_i - w . x_tilde_i)^2 with a fresh inverted-dropout mask per
    example and step, from w = 0: the weights after `steps` steps.  x (N, D), y (N,) -> w (D,)."""
    _, x, y = _check_linear(np.zeros(np.shape(x)[-1]), x, y)
    p = check_number("p", p, 0, 1, high_open=True)
    lr = check_number("lr", lr, 0, low_open=True)
    steps = check_int("steps", steps, 1)
    rng = np.random.default_rng(seed)
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        xt = (rng.random(x.shape) >= p) * x / (1 - p)
        w -= lr * (-2 / len(x)) * xt.T @ (y - xt @ w)
    return w


# --- early stopping as L2 --------------------------------------------------------------------------
def linear_problem(n=60, d=20, scale_range=(0.05, 2.0), noise=0.5, seed=0):
    """A least-squares problem whose directions have very different curvatures: feature j has
    standard deviation spread log-uniformly over scale_range.  Returns x (n, d), y (n,)."""
    n, d = check_int("n", n, 2), check_int("d", d, 1)
    lo = check_number("scale_range[0]", scale_range[0], 0, low_open=True)
    hi = check_number("scale_range[1]", scale_range[1], lo)
    noise = check_number("noise", noise, 0)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) * np.geomspace(lo, hi, d)
    y = x @ rng.standard_normal(d) + noise * rng.standard_normal(n)
    return x, y


def early_stopping_lambda(lr, steps):
    """1 / (lr * steps): the L2 strength that stopping after `steps` steps at rate lr acts like."""
    lr = check_number("lr", lr, 0, low_open=True)
    steps = check_number("steps", steps, 0, low_open=True)
    return 1.0 / (lr * steps)


def gd_weights(x, y, lr, steps):
    """w after `steps` steps of gradient descent from 0 on 1/(2N)|x w - y|^2.  x (N, D), y (N,) -> (D,)."""
    _, x, y = _check_linear(np.zeros(np.shape(x)[-1]), x, y)
    lr = check_number("lr", lr, 0, low_open=True)
    steps = check_int("steps", steps, 0)
    H, b, w = x.T @ x / len(x), x.T @ y / len(x), np.zeros(x.shape[1])
    if lr * np.linalg.eigvalsh(H).max() >= 2:
        raise ValueError(f"lr = {lr:g} is too large for this problem: gradient descent diverges when "
                         f"lr * (largest curvature) >= 2; allowed: lr < {2 / np.linalg.eigvalsh(H).max():.3g}")
    for _ in range(steps):
        w -= lr * (H @ w - b)
    return w


def ridge_weights(x, y, lam):
    """argmin 1/(2N)|x w - y|^2 + lam/2 |w|^2 = (x^T x/N + lam I)^-1 x^T y/N.  x (N, D), y (N,) -> (D,)."""
    _, x, y = _check_linear(np.zeros(np.shape(x)[-1]), x, y)
    lam = check_number("lam", lam, 0)
    return np.linalg.solve(x.T @ x / len(x) + lam * np.eye(x.shape[1]), x.T @ y / len(x))


def gd_keep(h, lr, steps):
    """1 - (1 - lr*h)^steps: the share of the solution gradient descent has found along curvature h."""
    return 1 - (1 - lr * np.asarray(h, dtype=np.float64)) ** steps


def ridge_keep(h, lam):
    """h / (h + lam): the share of the solution ridge keeps along curvature h."""
    h = np.asarray(h, dtype=np.float64)
    return h / (h + lam)


# --- from scratch to the frameworks ----------------------------------------------------------------
def keras_l2(W, l2):
    """Keras' regularizers.l2(l2) on W: value l2 * sum(W^2) (no 1/2), gradient 2 * l2 * W.
    So this series' L2(lam) is Keras' l2(lam / 2).  Returns (value, gradient)."""
    l2 = check_number("l2", l2, 0)
    W = np.asarray(W, dtype=np.float64)
    return float(l2 * np.sum(W ** 2)), 2 * l2 * W


def decay_step(params, lr, weight_decay, biases=True):
    """One SGD weight-decay step as torch.optim.SGD(weight_decay=...) takes it when all parameters
    are given to it: p <- p - lr * weight_decay * p for every array in params, biases ('b...')
    included unless biases=False (PyTorch: a parameter group with weight_decay=0).
    Returns a new dict; params is left unchanged."""
    lr = check_number("lr", lr, 0, low_open=True)
    weight_decay = check_number("weight_decay", weight_decay, 0)
    biases = check_bool("biases", biases)
    return {k: v * (1 - lr * weight_decay) if (biases or not k.startswith("b")) else v.copy()
            for k, v in params.items()}


def adam_l2_vs_adamw(curvature=(10.0, 0.1), target=(1.0, 1.0), lam=0.1, lr=0.01, steps=3000):
    """Minimize 0.5 * sum_j h_j (w_j - c_j)^2 from w = 0 with lib's Adam, (a) with the L2 term
    lam/2 |w|^2 in the loss and (b) as AdamW with weight_decay = lam, and compare with the minimum
    of the penalized loss, h c / (h + lam) (where SGD + L2 ends).
    Returns {'adam+L2': w, 'adamw': w, 'penalized minimum': w}, each (2,)."""
    h = np.array([check_number("curvature", v, 0, low_open=True) for v in curvature])
    c = np.array([check_number("target", v) for v in target], dtype=np.float64)
    if h.shape != c.shape:
        raise ValueError(f"curvature and target need the same length, got {len(h)} and {len(c)}")
    lam = check_number("lam", lam, 0)
    steps = check_int("steps", steps, 1)
    out = {}
    for name, opt, l2 in (("adam+L2", Adam(lr=lr), lam), ("adamw", AdamW(lr=lr, weight_decay=lam), 0.0)):
        params = {"W": np.zeros_like(c)}
        for _ in range(steps):
            opt.update(params, {"W": h * (params["W"] - c) + l2 * params["W"]})
        out[name] = params["W"]
    out["penalized minimum"] = h * c / (h + lam)
    return out
