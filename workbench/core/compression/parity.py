"""How close a variant's ONNX outputs must stay to its reference network's: each compression method declares one of
these rules as its `parity`, and `variants.check_variant_parity` applies it.

A rule's `check(title, diff, scale, agreement)` gets the method's title, the largest absolute difference, the
output scale (the largest absolute reference value, at least 1) and, for classifiers, the share of samples on which
both pick the same class (None for regression); it raises `ParityError` saying why the variant was not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from workbench.core.export.errors import ParityError
from workbench.core.export.verify import PARITY_TOLERANCE


class ParityRule(Protocol):
    def check(self, title: str, diff: float, scale: float, agreement: float | None) -> None: ...


@dataclass(frozen=True)
class ExactParity:
    """An fp32 network: its ONNX file computes what the network computes, within `PARITY_TOLERANCE`."""

    def check(self, title: str, diff: float, scale: float, agreement: float | None) -> None:
        if not diff <= PARITY_TOLERANCE:
            raise ParityError(f"The {title} variant's ONNX file does not compute what its network computes: the "
                              f"largest difference is {diff:.3g} (at most {PARITY_TOLERANCE:g} is allowed). It was "
                              "not kept.", diff)


@dataclass(frozen=True)
class WithinRange:
    """Lower-precision arithmetic: every output within `share` of the output range; `advice` says what went wrong."""

    share: float
    advice: str

    def check(self, title: str, diff: float, scale: float, agreement: float | None) -> None:
        if not diff <= self.share * scale:
            raise ParityError(f"The {title} variant drifts too far from the trained network (largest difference "
                              f"{diff:.3g}, more than {self.share:.0%} of the output range). It was not kept; "
                              f"{self.advice}.", diff)


@dataclass(frozen=True)
class SameClass:
    """Integer arithmetic: a classifier picks the trained network's class on at least `agreement` of the samples;
    a regression stays within `share` of the output range."""

    agreement: float
    share: float

    def check(self, title: str, diff: float, scale: float, agreement: float | None) -> None:
        if agreement is not None:
            if agreement < self.agreement:
                raise ParityError(f"The {title} variant picks a different class than the trained network on "
                                  f"{100 * (1 - agreement):.0f}% of the samples (at most "
                                  f"{100 * (1 - self.agreement):.0f}% is accepted). It was not kept; try static "
                                  "INT8, or FP16.", diff)
        elif not diff <= self.share * scale:
            raise ParityError(f"The {title} variant's predictions are off by up to {diff:.3g}, more than "
                              f"{self.share:.0%} of the output range. It was not kept; try FP16 instead.", diff)
