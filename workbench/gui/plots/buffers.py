"""`GrowingBuffer`: an append-only array of (x, y) points that doubles its capacity when full, so a curve can take
a million points with amortised O(1) appends and hand a view (no copy) to the plot."""

from __future__ import annotations

import math

import numpy as np


class GrowingBuffer:
    def __init__(self, capacity: int = 1024):
        self._x = np.empty(capacity, dtype=np.float64)
        self._y = np.empty(capacity, dtype=np.float64)
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def append(self, x, y) -> None:
        """Appends points; `x` and `y` are scalars or equally long arrays."""
        x = np.atleast_1d(np.asarray(x, dtype=np.float64))
        y = np.atleast_1d(np.asarray(y, dtype=np.float64))
        n = len(y)
        if self.size + n > len(self._x):
            capacity = max(2 * len(self._x), self.size + n)
            self._x = np.resize(self._x, capacity)
            self._y = np.resize(self._y, capacity)
        self._x[self.size:self.size + n] = x
        self._y[self.size:self.size + n] = y
        self.size += n

    def clear(self) -> None:
        self.size = 0

    @property
    def x(self) -> np.ndarray:
        return self._x[:self.size]

    @property
    def y(self) -> np.ndarray:
        return self._y[:self.size]

    def last(self) -> tuple[float, float] | None:
        return (float(self._x[self.size - 1]), float(self._y[self.size - 1])) if self.size else None


def exponential_smoothing(values: np.ndarray, alpha: float, start: float | None) -> tuple[np.ndarray, float | None]:
    """The exponential moving average of `values` continuing from `start` (None: begin at the first finite value);
    returns (smoothed, last state). NaN inputs leave the average unchanged and show as NaN."""
    out = []
    state = start
    for v in np.asarray(values, dtype=np.float64).tolist():  # plain floats: several times faster than NumPy's
        if not math.isfinite(v):
            out.append(math.nan)
            continue
        state = v if state is None else state + alpha * (v - state)
        out.append(state)
    return np.array(out, dtype=np.float64), state
