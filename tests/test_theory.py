"""lib/theory.py: penalties as priors, dropout as an adaptive L2, early stopping as L2, and the
framework conventions, each checked against an independent computation."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from lib import L1, L2
from lib.theory import (adam_l2_vs_adamw, decay_step, dropout_loss_formula, dropout_loss_mc, dropout_ridge,
                        dropout_variance, early_stopping_lambda, gd_keep, gd_weights, keras_l2, linear_problem,
                        neg_log_prior, prior_density, prior_scale, ridge_keep, ridge_weights, train_linear_dropout)
from lib.theory_plots import early_stopping_l2_figure, prior_figure


# --- priors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, penalty", [("L2", L2), ("L1", L1)])
@pytest.mark.parametrize("lam, n", [(0.1, 300), (1e-3, 5000), (2.0, 7)])
def test_neg_log_prior_differences_are_n_times_penalty_differences(name, penalty, lam, n):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((30, 4)), 0.1 * rng.standard_normal((30, 4))
    prior_change = neg_log_prior(a, name, lam, n) - neg_log_prior(b, name, lam, n)
    assert prior_change == pytest.approx(n * (penalty(lam).value(a) - penalty(lam).value(b)), rel=1e-10)


@pytest.mark.parametrize("name", ["L2", "L1"])
def test_prior_density_is_a_density_and_matches_neg_log_prior(name):
    scale = prior_scale(name, 0.1, 300)
    assert scale == pytest.approx(1 / 30)
    w = np.linspace(-3, 3, 200001)
    p = prior_density(w, name, 0.1, 300)
    assert np.sum(p) * (w[1] - w[0]) == pytest.approx(1.0, abs=1e-4)
    assert -np.log(prior_density(0.2, name, 0.1, 300)) == pytest.approx(neg_log_prior([0.2], name, 0.1, 300))


def test_prior_arguments_are_checked():
    with pytest.raises(ValueError, match="penalty"):
        prior_scale("L3", 0.1, 300)
    with pytest.raises(ValueError, match="lam"):
        prior_scale("L2", 0.0, 300)
    with pytest.raises(ValueError, match="n_train"):
        prior_scale("L2", 0.1, 0)


# --- dropout as an adaptive L2 --------------------------------------------------------------------
def _data(seed=0, n=40):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)) * np.array([0.3, 1.0, 2.0, 0.5])
    w = np.array([1.0, -0.5, 0.3, 2.0])
    return x, w, x @ w + 0.3 * rng.standard_normal(n)


def test_dropout_variance_matches_the_masks():
    x, w, _ = _data()
    rng = np.random.default_rng(3)
    masks = (rng.random((20000,) + x.shape) >= 0.4) / 0.6
    empirical = ((masks * x) @ w).var(axis=0)
    np.testing.assert_allclose(dropout_variance(w, x, 0.4), empirical, rtol=0.05)


def test_squared_dropout_loss_identity_holds_up_to_monte_carlo_error():
    x, w, y = _data()
    mc = dropout_loss_mc(w, x, y, 0.3, n_masks=20000, seed=0)
    exact = dropout_loss_formula(w, x, y, 0.3)
    assert mc.shape == exact.shape == (len(x),)
    assert mc.mean() == pytest.approx(exact.mean(), rel=0.02)
    np.testing.assert_allclose(dropout_loss_formula(w, x, y, 0.0), (y - x @ w) ** 2)   # p = 0: no penalty


def test_logistic_second_order_formula_is_close_for_small_weights_only():
    x, w, _ = _data()
    y = (x @ w > 0).astype(float)
    base = dropout_loss_formula(0.2 * w, x, y, 0.0, loss="logistic").mean()
    added_mc = dropout_loss_mc(0.2 * w, x, y, 0.3, loss="logistic", n_masks=20000, seed=0).mean() - base
    added = dropout_loss_formula(0.2 * w, x, y, 0.3, loss="logistic").mean() - base
    assert added == pytest.approx(added_mc, rel=0.05)


def test_dropout_ridge_minimizes_the_expected_dropout_loss():
    x, _, y = _data()
    w = dropout_ridge(x, y, 0.3)
    best = dropout_loss_formula(w, x, y, 0.3).mean()
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert dropout_loss_formula(w + 0.01 * rng.standard_normal(4), x, y, 0.3).mean() > best


def test_training_with_dropout_ends_near_the_penalty_minimum_and_is_seeded():
    x, _, y = _data(n=100)
    target = dropout_ridge(x, y, 0.3)
    a = train_linear_dropout(x, y, 0.3, lr=0.01, steps=3000, seed=5)
    np.testing.assert_array_equal(a, train_linear_dropout(x, y, 0.3, lr=0.01, steps=3000, seed=5))
    assert not np.array_equal(a, train_linear_dropout(x, y, 0.3, lr=0.01, steps=3000, seed=6))
    assert np.linalg.norm(a - target) / np.linalg.norm(target) < 0.05


def test_dropout_functions_check_shapes():
    x, w, y = _data()
    with pytest.raises(ValueError, match="shape"):
        dropout_variance(w[:3], x, 0.3)
    with pytest.raises(ValueError, match="y must have shape"):
        dropout_loss_formula(w, x, y[:5], 0.3)
    with pytest.raises(ValueError, match="p must be"):
        dropout_variance(w, x, 1.0)
    with pytest.raises(ValueError, match="loss"):
        dropout_loss_mc(w, x, y, 0.3, loss="hinge")


# --- early stopping as L2 -------------------------------------------------------------------------
def test_gd_weights_follow_the_eigen_formula_and_ridge_solves_its_normal_equations():
    x, y = linear_problem(n=30, d=6, seed=2)
    H, b = x.T @ x / len(x), x.T @ y / len(x)
    h, V = np.linalg.eigh(H)
    w_star = np.linalg.solve(H, b)
    for tau in (1, 7, 50):
        expected = V @ (gd_keep(h, 0.1, tau) * (V.T @ w_star))
        np.testing.assert_allclose(gd_weights(x, y, 0.1, tau), expected, rtol=1e-8, atol=1e-10)
    w_r = ridge_weights(x, y, 0.3)
    np.testing.assert_allclose(H @ w_r + 0.3 * w_r, b, atol=1e-12)
    np.testing.assert_allclose(w_r, V @ (ridge_keep(h, 0.3) * (V.T @ w_star)), atol=1e-10)


def test_stopping_acts_like_ridge_with_lambda_one_over_lr_tau():
    assert early_stopping_lambda(0.2, 50) == pytest.approx(0.1)
    x, y = linear_problem(seed=0)
    for tau in (10, 100, 1000):
        w_gd, w_r = gd_weights(x, y, 0.2, tau), ridge_weights(x, y, early_stopping_lambda(0.2, tau))
        w_far = ridge_weights(x, y, 10 * early_stopping_lambda(0.2, tau))   # a tenfold wrong lambda is much further
        assert np.linalg.norm(w_gd - w_r) < 0.3 * np.linalg.norm(w_r) < np.linalg.norm(w_gd - w_far)
    # the filters agree at the extremes: both ~1 far above lambda, ~h/lambda far below
    lam = early_stopping_lambda(0.01, 1000)
    assert gd_keep(100 * lam, 0.01, 1000) == pytest.approx(ridge_keep(100 * lam, lam), abs=0.011)
    assert gd_keep(lam / 100, 0.01, 1000) == pytest.approx(ridge_keep(lam / 100, lam), rel=0.02)


def test_gd_weights_refuses_a_diverging_learning_rate():
    x, y = linear_problem(seed=0)
    with pytest.raises(ValueError, match="diverges"):
        gd_weights(x, y, 10.0, 5)


# --- frameworks -----------------------------------------------------------------------------------
def test_keras_l2_has_no_half():
    W = np.random.default_rng(0).standard_normal((3, 4))
    value, grad = keras_l2(W, 0.05)
    assert value == pytest.approx(L2(0.1).value(W))
    np.testing.assert_allclose(grad, L2(0.1).grad(W))
    np.testing.assert_allclose(keras_l2(W, 0.1)[1], 2 * L2(0.1).grad(W))


def test_decay_step_decays_biases_unless_excluded_and_leaves_input_alone():
    params = {"W1": np.ones((2, 2)), "b1": np.ones(2)}
    out = decay_step(params, 0.1, 0.5)
    np.testing.assert_allclose(out["W1"], 0.95)
    np.testing.assert_allclose(out["b1"], 0.95)
    np.testing.assert_allclose(decay_step(params, 0.1, 0.5, biases=False)["b1"], 1.0)
    np.testing.assert_allclose(params["b1"], 1.0)
    with pytest.raises(TypeError, match="biases"):
        decay_step(params, 0.1, 0.5, biases="no")


def test_adam_with_l2_reaches_the_penalized_minimum_and_adamw_does_not():
    ends = adam_l2_vs_adamw(curvature=(10.0, 0.1), target=(1.0, 1.0), lam=0.1, lr=0.01, steps=3000)
    np.testing.assert_allclose(ends["adam+L2"], ends["penalized minimum"], atol=1e-3)
    assert abs(ends["adamw"][1] - ends["penalized minimum"][1]) > 0.3
    with pytest.raises(ValueError, match="same length"):
        adam_l2_vs_adamw(curvature=(1.0,), target=(1.0, 2.0))


# --- figures --------------------------------------------------------------------------------------
def test_figures_have_two_labelled_panels():
    x, y = linear_problem(n=20, d=5, seed=1)
    for fig in (prior_figure(0.1, 300), early_stopping_l2_figure(x, y, 0.1, (1, 10, 100))):
        assert isinstance(fig, Figure) and len(fig.axes) == 2
        assert all(ax.get_xlabel() and ax.get_title() for ax in fig.axes)
