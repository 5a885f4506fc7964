"""Throttled progress reporting and cooperative cancel for long imports.

Loaders call `ProgressReporter.update` as often as they like (per file, per chunk); the user's ``progress`` callback
is called at most every 50 ms (plus once at the start and once at the end) and ``should_cancel`` is polled at the
same moments, so a GUI worker stays cheap and a cancel is noticed within about 50 ms of work.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from workbench.core.errors import CancelledError

ProgressCallback = Callable[[float, str], None]
CancelCallback = Callable[[], bool]

INTERVAL_S = 0.05


class ProgressReporter:
    """Maps the progress of one stage into [start, end] of the whole import and throttles the callback."""

    def __init__(self, progress: ProgressCallback | None = None, should_cancel: CancelCallback | None = None,
                 interval_s: float | None = None):
        self._progress = progress
        self._should_cancel = should_cancel
        self._interval = INTERVAL_S if interval_s is None else interval_s
        self._last = -1.0e9
        self._start = 0.0
        self._end = 1.0
        self.last_fraction = 0.0

    def stage(self, start: float, end: float) -> None:
        """Later `update` fractions (0..1) map into [start, end] of the whole."""
        self._start, self._end = start, end

    def check_cancel(self) -> None:
        if self._should_cancel is not None and self._should_cancel():
            raise CancelledError("The import was cancelled.")

    def update(self, fraction: float, message: str, force: bool = False) -> None:
        """Report ``fraction`` (0..1) of the current stage; throttled unless ``force``. Raises `CancelledError`."""
        now = time.monotonic()
        if not force and now - self._last < self._interval:
            return
        self._last = now
        self.check_cancel()
        overall = self._start + (self._end - self._start) * min(max(fraction, 0.0), 1.0)
        self.last_fraction = overall
        if self._progress is not None:
            self._progress(overall, message)

    def done(self, message: str = "Done.") -> None:
        self.stage(0.0, 1.0)
        self.update(1.0, message, force=True)
