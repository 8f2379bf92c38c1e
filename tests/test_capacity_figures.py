"""Chapter 1's capacity figures: they draw what they are given and say what is wrong otherwise."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from lib.plots import capacity_curves_figure, capacity_figure, loss_curves_figure
from lib.train import History


def history(final_train, final_test, epochs=(1, 5, 10)):
    h = History()
    h.epoch = list(epochs)
    h.train_acc = list(np.linspace(0.1, final_train, len(epochs)))
    h.test_acc = list(np.linspace(0.1, final_test, len(epochs)))
    return h


def test_capacity_curves_figure_one_panel_per_schedule():
    runs = {"1×5": history(0.7, 0.6), "6×100": history(1.0, 0.8)}
    fig = capacity_curves_figure({"lr 0.01": runs, "lr 0.1": runs}, title="t")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 4            # train and test per network


def test_capacity_curves_figure_rejects_empty_input():
    with pytest.raises(ValueError, match="panels is empty"):
        capacity_curves_figure({})
    with pytest.raises(ValueError, match="no train or test accuracy"):
        capacity_curves_figure({"lr 0.1": {"1×5": History()}})


def test_capacity_figure_draws_means_and_seed_dots():
    train = np.array([[0.99, 1.0, 0.98], [1.0, 1.0, 1.0]])
    test = np.array([[0.73, 0.74, 0.74], [0.83, 0.84, 0.83]])
    fig = capacity_figure([3985, 130010], ["1×5", "6×100"], {"lr 0.1": (train, test)})
    acc_ax, gap_ax = fig.axes
    np.testing.assert_allclose(gap_ax.lines[0].get_ydata(), (train - test).mean(axis=1))
    assert len(acc_ax.collections) == 2 and len(gap_ax.collections) == 1   # seed dots


def test_capacity_figure_checks_shapes():
    with pytest.raises(ValueError, match="same length"):
        capacity_figure([1, 2], ["a"], {"s": (np.ones((2, 1)), np.ones((2, 1)))})
    with pytest.raises(ValueError, match=r"\(networks=2, seeds\)"):
        capacity_figure([1, 2], ["a", "b"], {"s": (np.ones((3, 1)), np.ones((3, 1)))})
    with pytest.raises(ValueError, match="results is empty"):
        capacity_figure([1, 2], ["a", "b"], {})


def test_loss_curves_figure_marks_the_lowest_test_loss():
    h = history(1.0, 0.8, epochs=(1, 5, 10, 15, 20))
    h.train_loss = [2.3, 1.0, 0.3, 0.1, 0.05]
    h.test_loss = [2.3, 1.2, 0.7, 0.75, 0.8]              # lowest at epoch 10
    fig = loss_curves_figure(h)
    acc_ax, loss_ax, zoom_ax, acc2 = fig.axes
    marks = [line.get_xdata()[0] for line in acc_ax.lines if line.get_linestyle() == ":"]
    assert marks == [10]                                   # the dotted line at the lowest test loss
    assert list(zoom_ax.lines[0].get_xdata()) == [5, 10, 15, 20]   # the zoom starts at half that epoch
    np.testing.assert_allclose(acc2.lines[0].get_ydata(), h.test_acc[1:])


def test_loss_curves_figure_says_what_is_missing():
    with pytest.raises(ValueError, match="no train_loss"):
        loss_curves_figure(history(1.0, 0.8))
    h = history(1.0, 0.8)
    h.train_loss, h.test_loss = [2.0, 1.0, 0.5], [2.0, 1.5, 1.0]
    with pytest.raises(ValueError, match="zoom_from=50 leaves fewer than 2"):
        loss_curves_figure(h, zoom_from=50)
