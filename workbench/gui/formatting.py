"""Short, readable numbers for labels: 12,345 parameters as "12.3k", 1.2e9 MACs as "1.2G"."""

from __future__ import annotations


def compact_count(value: int | float) -> str:
    """A count in at most four significant characters with a k/M/G suffix: 950, 12.3k, 4.56M, 1.2G."""
    value = float(value)
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            scaled = value / limit
            text = f"{scaled:.1f}" if abs(scaled) < 100 else f"{scaled:.0f}"
            return text.removesuffix(".0") + suffix
    return f"{value:.0f}"


def megabytes(value: float) -> str:
    """A size in MB with precision that suits its magnitude: 0.052 MB, 3.4 MB, 120 MB."""
    if value < 1:
        return f"{value:.3f} MB"
    if value < 100:
        return f"{value:.1f} MB"
    return f"{value:.0f} MB"
