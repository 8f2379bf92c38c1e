"""The training loop: mini-batch gradient descent with a per-epoch record of accuracy and loss.

    history = train(net, x_train, t_train, x_test, t_test, epochs=200, lr=0.01)
    history.train_acc[-1], history.test_acc[-1]

Mini-batches, two ways (`sampling=`):
  'shuffle' (default): each epoch visits every training example once, in a fresh random order
      (sampling without replacement).  Every image counts equally in every epoch, so the curves
      are smoother and "epoch" means what it says.
  'replacement': the book's way, np.random.choice(train_size, batch_size) for each step (with
      replacement); an "epoch" is train_size / batch_size steps and may repeat or skip images.
"""
import time

import numpy as np

from .argcheck import check_choice, check_inputs, check_int, check_labels, check_number
from .layers import log_softmax_loss
from .optimizers import get_optimizer


class TrainingDiverged(FloatingPointError):
    """The loss blew up (see DIVERGED_FACTOR): the steps, the initial weights or the inputs were too large.

    err.history: the History of the epochs recorded before the blow-up."""
    history = None


# Training has diverged when the mini-batch loss becomes NaN or inf, or rises above DIVERGED_FACTOR
# times its starting value on DIVERGED_STEPS mini-batches in a row.  The starting value is the larger
# of the first mini-batch's loss and log(C) (a fresh network guesses among C classes: loss about
# log C).  The series' own runs stay below about 25 times their start (the closest ones are in
# tests/test_training.py); blown-up runs reach 1e9 to 1e35.
DIVERGED_FACTOR, DIVERGED_STEPS = 100, 5
INPUT_SCALE = 10   # when it diverges on inputs larger than this, the message blames the inputs, not the lr


class History:
    """Per-epoch record of a run (lists indexed by epoch - 1).

    train_acc, test_acc:   accuracy on the training set and on the evaluation set you passed
                           (the test set, or a validation split when tuning)
    train_loss, test_loss: data loss (cross-entropy) on those sets, without the penalty
    penalty:               the regularization term at the end of the epoch
    batch_loss:            mean data loss of the epoch's mini-batches (training mode, dropout on)
    """

    KEYS = ("epoch", "train_acc", "test_acc", "train_loss", "test_loss", "penalty", "batch_loss")

    def __init__(self, settings=None):
        for key in self.KEYS:
            setattr(self, key, [])
        self.settings = dict(settings or {})
        self.best_epoch = None       # with early stopping: the epoch whose weights were kept
        self.stopped_early = False   # True when patience ran out or a callback asked to stop
        self.seconds = 0.0

    def __getitem__(self, key):
        return getattr(self, key)

    def __len__(self):
        return len(self.epoch)

    def gap(self):
        """Train accuracy minus test accuracy, per epoch (the overfitting gap)."""
        return [a - b for a, b in zip(self.train_acc, self.test_acc)]

    def final(self):
        """The last epoch's numbers as a dict."""
        return {key: getattr(self, key)[-1] for key in self.KEYS if getattr(self, key)}

    def as_dict(self):
        return {key: list(getattr(self, key)) for key in self.KEYS}

    def __repr__(self):
        last = ", ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in self.final().items())
        return f"History({len(self)} recorded epochs; last: {last})"


def evaluate(net, x, t, batch=2000):
    """(accuracy, data loss) on (x, t) in eval mode, from one forward pass in chunks of `batch`.
    x (N, D), t (N,) class numbers or (N, C) one-hot."""
    check_inputs("x", x, net.input_size, net.dtype)
    t = check_labels("t", t, len(x), net.output_size)
    return _evaluate(net, x, t, check_int("batch", batch, 1))


def _evaluate(net, x, t, batch=2000):
    """evaluate() without the argument checks, for the training loop (it checks its data once)."""
    correct, loss_sum = 0, 0.0
    for start in range(0, len(x), batch):
        scores = net._predict(x[start:start + batch])
        tt = t[start:start + batch]
        correct += int(np.count_nonzero(scores.argmax(axis=1) == tt))
        loss_sum += log_softmax_loss(scores, tt) * len(tt)
    return correct / len(x), loss_sum / len(x)


def train(net, x_train, t_train, x_test=None, t_test=None, epochs=200, batch_size=100,
          optimizer="sgd", lr=0.01, sampling="shuffle", seed=0, callback=None, patience=None,
          eval_train=True, eval_every=1, optimizer_kwargs=None, monitor="acc"):
    """Train `net` in place and return a History.

    x_train (N, D), t_train (N,) class numbers; x_test, t_test: the evaluation set (optional).
    optimizer: a name ('sgd', 'momentum', 'rmsprop', 'adam', 'adamw', 'sgdw') built with `lr`
        and `optimizer_kwargs`, or an optimizer object with update(params, grads).
    seed: for the mini-batch order (the net's own seed sets its weights and dropout masks).
    callback(epoch, history): called after every epoch; return False to stop training.
    patience: early stopping.  Stop after `patience` epochs without a better test (validation)
        score and put back the weights of the best epoch (history.best_epoch).
    monitor: the score early stopping watches: 'acc', the validation accuracy (higher is better),
        or 'loss', the validation loss (lower is better).
    eval_train: measure accuracy and loss on the whole training set every epoch.
    eval_every: record (evaluate) only every k-th epoch, plus the first and the last; the live
        panels use it to stay fast.  The history's lists hold the recorded epochs only.
    Raises TrainingDiverged if the loss blows up (DIVERGED_FACTOR); with early stopping the best
    weights are put back first.  The exception's .history holds the epochs recorded until then.
    """
    check_inputs("x_train", x_train, net.input_size, net.dtype)
    t_train = check_labels("t_train", t_train, len(x_train), net.output_size)
    if (x_test is None) != (t_test is None):
        raise ValueError("give both x_test and t_test, or neither")
    if x_test is not None:
        check_inputs("x_test", x_test, net.input_size, net.dtype)
        t_test = check_labels("t_test", t_test, len(x_test), net.output_size)
    epochs = check_int("epochs", epochs, 1)
    eval_every = check_int("eval_every", eval_every, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    sampling = check_choice("sampling", sampling, ("shuffle", "replacement"))
    monitor = check_choice("monitor", monitor, ("acc", "loss"))
    if patience is not None:
        patience = check_int("patience", patience, 1)
        if x_test is None:
            raise ValueError("early stopping (patience) needs a validation set: pass x_test, t_test")
        if eval_every != 1:
            raise ValueError(f"early stopping (patience) needs eval_every=1, got eval_every={eval_every}")
    if isinstance(optimizer, str):
        optimizer_kwargs = {} if optimizer_kwargs is None else optimizer_kwargs
        if not isinstance(optimizer_kwargs, dict):
            raise TypeError(f"optimizer_kwargs must be a dict such as {{'weight_decay': 0.01}}, got {optimizer_kwargs!r}")
        if "lr" in optimizer_kwargs:
            raise ValueError(f"give the learning rate as train(..., lr=...), not in optimizer_kwargs "
                             f"(got optimizer_kwargs={optimizer_kwargs!r})")
        opt = get_optimizer(optimizer, lr=check_number("lr", lr, 0, low_open=True), **optimizer_kwargs)
    elif hasattr(optimizer, "update"):
        opt = optimizer
    else:
        raise TypeError(f"optimizer must be a name or an object with update(params, grads), got {optimizer!r}")

    x_train = x_train.astype(net.dtype, copy=False)
    x_test = None if x_test is None else x_test.astype(net.dtype, copy=False)
    rng = np.random.default_rng(seed)
    n = len(x_train)
    steps = max(n // batch_size, 1)   # the book's iter_per_epoch (it uses train_size / batch_size)
    history = History({"epochs": epochs, "batch_size": batch_size, "lr": getattr(opt, "lr", lr),
                       "optimizer": type(opt).__name__, "sampling": sampling, "seed": seed})
    best_score, best_params, waited = -np.inf, None, 0   # score: the accuracy, or minus the loss
    first_loss = None   # the loss of the very first mini-batch, to tell a bad init from a bad lr
    too_high = 0        # mini-batches in a row with a loss above DIVERGED_FACTOR times the start
    start_time = time.perf_counter()

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, epochs + 1):
            if sampling == "shuffle":
                order = rng.permutation(n)
                batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
            else:
                batches = [rng.choice(n, batch_size) for _ in range(steps)]
            batch_losses = []   # this epoch's mini-batch losses
            for idx in batches:
                grads = net._gradient(x_train[idx], t_train[idx])
                loss = net.last_data_loss
                if first_loss is None:
                    first_loss, limit = loss, DIVERGED_FACTOR * max(loss, np.log(net.output_size))
                too_high = too_high + 1 if loss > limit else 0
                if too_high >= DIVERGED_STEPS or not np.isfinite(loss):
                    message = _diverged_message(loss, epoch, getattr(opt, "lr", lr), first_loss, net, x_train)
                    raise _diverged(message, net, history, best_params)
                opt.update(net.params, grads)
                net.after_step(getattr(opt, "lr", lr))
                batch_losses.append(net.last_data_loss)

            if not (epoch == 1 or epoch == epochs or epoch % eval_every == 0):
                continue
            history.epoch.append(epoch)
            history.batch_loss.append(float(np.mean(batch_losses)))
            history.penalty.append(net.penalty())
            if not np.isfinite(history.penalty[-1]):
                raise _diverged(f"the weights overflowed at epoch {epoch}; try a smaller learning rate",
                                net, history, best_params)
            if eval_train:
                acc, loss = _evaluate(net, x_train, t_train)
                history.train_acc.append(acc)
                history.train_loss.append(loss)
            if x_test is not None:
                acc, loss = _evaluate(net, x_test, t_test)
                history.test_acc.append(acc)
                history.test_loss.append(loss)
            history.seconds = time.perf_counter() - start_time

            if patience is not None:
                score = history.test_acc[-1] if monitor == "acc" else -history.test_loss[-1]
                if score > best_score:
                    best_score, best_params, waited = score, net.copy_params(), 0
                    history.best_epoch = epoch
                else:
                    waited += 1
            if patience is not None and waited >= patience:
                history.stopped_early = True   # the callback sees it, then the loop ends
            if callback is not None and callback(epoch, history) is False:
                history.stopped_early = True
            if history.stopped_early:
                break

    if best_params is not None:
        net.set_params(best_params)
    return history


def _diverged(message, net, history, best_params):
    """The TrainingDiverged to raise.  With early stopping the best weights so far are put back
    first (a late blow-up must not cost them), and the History so far goes along as err.history."""
    if best_params is not None:
        net.set_params(best_params)
        message += f" Early stopping put back the weights of epoch {history.best_epoch}, the best so far."
    err = TrainingDiverged(message + " (err.history holds the epochs recorded before it.)")
    err.history = history
    return err


def _diverged_message(loss, epoch, lr, first_loss, net, x_train):
    """What went wrong, and what to change: the inputs' scale, the learning rate, or the initial weights."""
    n_classes = net.output_size
    if np.isfinite(loss):
        what = (f"the training loss rose to {loss:.3g} at epoch {epoch}, over {DIVERGED_FACTOR} times its start "
                f"({max(first_loss, np.log(n_classes)):.3g}) for {DIVERGED_STEPS} mini-batches in a row")
    else:
        what = f"the training loss became {loss} at epoch {epoch}"
    scale = max(float(x_train.max()), -float(x_train.min()))
    if scale > INPUT_SCALE:
        return (f"{what}: the inputs reach {scale:g}, but the network expects inputs of order 1. Unnormalised "
                "pixels (0 to 255)? Scale them to [0, 1]: x / 255, or load_mnist(normalize=True).")
    start_hint = _init_hint(first_loss, net)
    if start_hint:   # the start was already far off: a smaller learning rate would not help
        return f"{what}.{start_hint}"
    return (f"{what}: the steps are too large for this network. Try a smaller learning rate (lr={lr} now; "
            f"try {lr / 10:g}) or a smaller penalty (weight_decay_lambda, weight_decay).")


def _init_hint(first_loss, net):
    """Part of the divergence message: a fresh network starts near loss log(n_classes); a first
    loss far above that means the start, not the learning rate, is at fault: the initial weights,
    or inverted dropout with a high ratio (it scales the kept activations up by 1/(1 - ratio))."""
    n_classes = net.output_size
    if np.isfinite(first_loss) and first_loss <= 100 * np.log(n_classes):
        return ""
    ratio = getattr(net, "dropout_ratio", 0)
    if ratio >= 0.5 and any(getattr(layer, "mode", None) == "inverted" for layer in net.layers):
        return (f" The very first mini-batch already had loss {first_loss:.3g} (a fresh network starts near "
                f"log({n_classes}) = {np.log(n_classes):.2g}): inverted dropout at ratio {ratio:g} multiplies "
                f"the kept activations by 1/(1 - {ratio:g}) = {1 / (1 - ratio):.3g} in every dropout layer "
                "during training. Use a smaller dropout_ratio (0.5 or less is usual).")
    return (f" The very first mini-batch already had loss {first_loss:.3g} (a fresh network starts near "
            f"log({n_classes}) = {np.log(n_classes):.2g}): the initial weights are too large; use "
            "weight_init_std='relu' (He) or a smaller number.")
