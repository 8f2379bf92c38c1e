"""A one-line status display for anything that takes more than a moment in a notebook.

    for lam in progress(lambdas, "Training one network per lambda"):
        ...
    history = train(..., callback=epoch_status("Training the book's network"))

The line is rewritten in place (at most every 0.25 s) and ends with the total time.
"""
import sys
import time


class Status:
    """A status line: update(done, extra) redraws '<what>: done/total [####    ] extra (t s)'."""

    def __init__(self, what, total, stream=None, min_interval=0.25):
        self.what, self.total = what, total
        self.stream = stream or sys.stdout
        self.min_interval = min_interval
        self.start = time.perf_counter()
        self._last = -1.0

    def line(self, done, extra=""):
        width = 20
        filled = int(width * done / self.total) if self.total else width
        bar = "#" * filled + "." * (width - filled)
        elapsed = time.perf_counter() - self.start
        return f"{self.what}: {done}/{self.total} [{bar}] {extra} ({elapsed:.1f} s)".replace("  ", " ")

    def update(self, done, extra=""):
        now = time.perf_counter()
        if done < self.total and now - self._last < self.min_interval:
            return
        self._last = now
        self.stream.write("\r" + self.line(done, extra))
        self.stream.flush()

    def finish(self, extra=""):
        elapsed = time.perf_counter() - self.start
        self.stream.write(f"\r{self.what}: done in {elapsed:.1f} s. {extra}".rstrip() + "\n")
        self.stream.flush()


def progress(iterable, what, total=None):
    """Yield the items of `iterable` while showing a status line."""
    items = list(iterable) if total is None else iterable
    status = Status(what, len(items) if total is None else total)
    status.update(0)
    for i, item in enumerate(items):
        yield item
        status.update(i + 1)
    status.finish()


def epoch_status(what, epochs=None, eval_name=None, stream=None):
    """A train() callback that shows the epoch and the latest accuracies on one line.

    eval_name: what to call the evaluation set (x_test, t_test of train()) on the line.  Default:
        "validation" when training uses early stopping (it must not see the test set), else "test".
    With early stopping the last line reports the epoch whose weights were kept, with that epoch's
    own accuracies, not the last epoch's.
    stream: where the line goes (default sys.stdout).
    """
    status = None

    def callback(epoch, history):
        nonlocal status
        if status is None:
            status = Status(what, epochs or history.settings.get("epochs", epoch), stream=stream)
        name = eval_name or ("validation" if history.best_epoch is not None else "test")

        def accs(i):      # the accuracies recorded at history index i
            parts = []
            if history.train_acc:
                parts.append(f"train {history.train_acc[i]:.3f}")
            if history.test_acc:
                parts.append(f"{name} {history.test_acc[i]:.3f}")
            return ", ".join(parts)

        done = history.stopped_early or epoch >= status.total
        if done and history.best_epoch is not None:
            kept = history.epoch.index(history.best_epoch)
            stop = f"stopped early at epoch {epoch}" if history.stopped_early else f"ran all {epoch} epochs"
            status.finish(f"{stop}; kept the weights of epoch {history.best_epoch}: {accs(kept)}")
        elif done:
            status.finish((f"stopped at epoch {epoch}: " if history.stopped_early else "") + accs(-1))
        else:
            status.update(epoch, accs(-1))

    return callback
