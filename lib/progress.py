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


def epoch_status(what, epochs=None):
    """A train() callback that shows the epoch and the latest accuracies on one line."""
    status = None

    def callback(epoch, history):
        nonlocal status
        if status is None:
            status = Status(what, epochs or history.settings.get("epochs", epoch))
        accs = []
        if history.train_acc:
            accs.append(f"train {history.train_acc[-1]:.3f}")
        if history.test_acc:
            accs.append(f"test {history.test_acc[-1]:.3f}")
        if history.stopped_early:
            best = f", best epoch {history.best_epoch}" if history.best_epoch else ""
            status.finish(f"stopped early at epoch {epoch}{best}: " + ", ".join(accs))
        elif epoch >= status.total:
            status.finish(", ".join(accs))
        else:
            status.update(epoch, ", ".join(accs))

    return callback
