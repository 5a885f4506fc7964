"""The Pareto front of (error, cost) points, both to be minimised: the points no other point beats on both."""

from __future__ import annotations

import math
from collections.abc import Sequence


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points that no other point dominates (at most as bad on both, better on one), in order of
    rising cost. Points with a NaN or infinite value are never on the front; equal points are all kept."""
    finite = [i for i, (error, cost) in enumerate(points) if math.isfinite(error) and math.isfinite(cost)]
    order = sorted(finite, key=lambda i: (points[i][1], points[i][0]))
    front: list[int] = []
    best_error = math.inf
    for i in order:
        error, cost = points[i]
        if error < best_error:
            front.append(i)
            best_error = error
        elif front and points[front[-1]] == (error, cost):  # the same point again
            front.append(i)
    return front


def best_under_limit(points: Sequence[tuple[float, float]], limit: float) -> int | None:
    """The index of the lowest error among points whose cost is at most `limit` (the cheaper on a tie)."""
    fitting = [i for i, (error, cost) in enumerate(points)
               if math.isfinite(error) and math.isfinite(cost) and cost <= limit]
    return min(fitting, key=lambda i: (points[i][0], points[i][1])) if fitting else None
