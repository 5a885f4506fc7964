"""Long jobs off the GUI thread: a function runs in a QThread and reports through throttled Qt signals.

`start_worker(fn, *args)` runs ``fn(control, *args)`` in a new thread. The function reports progress with
`control.report(payload)` (at most one signal every 50 ms, the latest payload wins, so the event loop is never
flooded) and calls `control.check()` between steps, which blocks while paused and raises `CancelledError` once the
user cancels. The outcome arrives as exactly one of `returned(result)`, `errored(message, details)` or
`cancelled()`, followed by `finished()`. Code in a job never touches a widget.
"""

from __future__ import annotations

import atexit
import threading
import time
import traceback

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal

from workbench.core.errors import CancelledError, WorkbenchError

REPORT_INTERVAL_S = 0.05


class JobControl:
    """The job's side of a worker: progress reports, pause and cancel."""

    def __init__(self, emit_progress):
        self._emit = emit_progress
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._last_emit = 0.0

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def report(self, payload) -> None:
        now = time.monotonic()
        if now - self._last_emit >= REPORT_INTERVAL_S:
            self._last_emit = now
            self._emit(payload)

    def report_now(self, payload) -> None:
        self._last_emit = time.monotonic()
        self._emit(payload)

    def check(self) -> None:
        while not self._running.wait(0.05):
            if self._cancel.is_set():
                break
        if self._cancel.is_set():
            raise CancelledError()

    # called from the GUI thread
    def request_cancel(self) -> None:
        self._cancel.set()
        self._running.set()

    def set_paused(self, paused: bool) -> None:
        if paused:
            self._running.clear()
        else:
            self._running.set()


class _Runner(QObject):
    progress = Signal(object)
    returned = Signal(object)
    errored = Signal(str, str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, fn, args, kwargs):
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.control = JobControl(self.progress.emit)

    def run(self) -> None:
        try:
            result = self.fn(self.control, *self.args, **self.kwargs)
        except CancelledError:
            self.cancelled.emit()
        except WorkbenchError as err:
            self.errored.emit(str(err), "")
        except MemoryError:
            self.errored.emit("The computer ran out of memory during this job. Try less data or a smaller model.",
                              traceback.format_exc())
        except Exception as err:  # a bug must reach the user as a message, not a dead thread
            self.errored.emit(f"Something went wrong: {type(err).__name__}: {err}", traceback.format_exc())
        else:
            if self.control.cancelled:
                self.cancelled.emit()
            else:
                self.returned.emit(result)
        finally:
            self.done.emit()


class Worker(QObject):
    """The GUI's side of a job. Connect to its signals, then `start()`."""

    started = Signal()
    progress = Signal(object)
    returned = Signal(object)
    errored = Signal(str, str)
    cancelled = Signal()
    finished = Signal()

    _alive: set["Worker"] = set()  # keeps running workers from being garbage-collected

    def __init__(self, fn, *args, **kwargs):
        super().__init__()
        self._thread = QThread()
        self._runner = _Runner(fn, args, kwargs)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.progress.connect(self.progress)
        self._runner.returned.connect(self.returned)
        self._runner.errored.connect(self.errored)
        self._runner.cancelled.connect(self.cancelled)
        # quit directly from the job's thread: wait() then returns without the GUI's event loop (shutdown, tests)
        self._runner.done.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread.finished.connect(self._on_thread_finished)
        self._delay: QTimer | None = None

    @property
    def is_running(self) -> bool:
        return self._thread.isRunning()

    @property
    def control(self) -> JobControl:
        return self._runner.control

    def start(self, after_ms: int = 0) -> None:
        """Starts the job now, or `after_ms` from now. A short delay lets the event loop first paint what the
        caller just changed (a locked form, a busy bar) while the GUI thread still has the CPU and the interpreter
        lock to itself; a job that starts with heavy Python work would otherwise stretch that paint."""
        Worker._alive.add(self)
        if after_ms > 0:
            self._delay = QTimer(self)
            self._delay.setSingleShot(True)
            self._delay.timeout.connect(self._start_now)
            self._delay.start(after_ms)
        else:
            self._start_now()

    def _start_now(self) -> None:
        if self._delay is not None:
            self._delay.stop()
            self._delay = None
        if self._thread.isRunning() or self._thread.isFinished():
            return
        self._thread.start()
        self.started.emit()

    def cancel(self) -> None:
        self._runner.control.request_cancel()

    def pause(self) -> None:
        self._runner.control.set_paused(True)

    def resume(self) -> None:
        self._runner.control.set_paused(False)

    def wait(self, msecs: int = 10_000) -> bool:
        """Blocks until the job ends (for shutdown and tests); a job whose start is still delayed starts now."""
        if self._delay is not None:
            self._start_now()
        return self._thread.wait(msecs)

    def _on_thread_finished(self) -> None:
        self.finished.emit()
        Worker._alive.discard(self)


def start_worker(fn, *args, **kwargs) -> Worker:
    """Runs ``fn(control, *args, **kwargs)`` off the GUI thread and returns the started worker.

    Connect to the worker's signals right after this call: the job's first signals are queued to the GUI thread,
    so none is lost before control returns to the event loop.
    """
    worker = Worker(fn, *args, **kwargs)
    worker.start()
    return worker


def cancel_all_workers(timeout_ms: int = 5_000) -> None:
    """Cancels every running job and waits for them (on application exit)."""
    for worker in list(Worker._alive):
        worker.cancel()
    for worker in list(Worker._alive):
        worker.wait(timeout_ms)


atexit.register(cancel_all_workers)   # a thread still running when Python exits would abort the process
