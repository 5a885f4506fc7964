"""What a search may vary, as typed frozen records saved in the project's ``search`` section.

A `SearchSpace` holds ranges and sets of choices for layer settings (``conv1.filters``) and training settings
(``training.learning_rate``), layers marked optional, chains of layers whose repeat count varies, and the width
multipliers of the whole network. Each record has `to_dict` / `from_dict`; `from_dict` names the field at fault
(``search.space.ranges[0].low``). `check_against(graph)` says, in the user's words, which entry no longer fits the
network (a layer removed, a setting it does not have).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from workbench.core.errors import WorkbenchError
from workbench.core.fields import FieldReader, fail, is_number
from workbench.core.graph.model import Graph
from workbench.core.training.settings import OPTIMIZERS

TRAINING = "training"
TRAINING_NUMBERS = {"learning_rate": "float", "weight_decay": "float", "momentum": "float", "batch_size": "int",
                    "epochs": "int"}
TRAINING_CHOICES = {"optimizer": OPTIMIZERS, "batch_size": None}
MAX_CHOICES = 64
MAX_REPEAT = 16


class SearchSpaceError(WorkbenchError):
    """A search space that cannot be searched (empty, or naming layers or settings the network lacks)."""


def _target(value: Any, where: str) -> tuple[str, str]:
    if not isinstance(value, str) or value.count(".") != 1 or not all(value.split(".")):
        fail(f"expected 'layer id.setting' or 'training.setting', got {value!r}", where)
    node, setting = value.split(".")
    return node, setting


@dataclass(frozen=True)
class NumberRange:
    """A number from `low` to `high` (whole numbers when `integer`; on a log scale when `log`, e.g. a learning
    rate; in steps of `step` when given)."""

    target: str  # "conv1.filters" or "training.learning_rate"
    low: float
    high: float
    integer: bool = False
    log: bool = False
    step: float | None = None

    def to_dict(self) -> dict:
        return {"target": self.target, "low": self.low, "high": self.high, "integer": self.integer, "log": self.log,
                "step": self.step}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> NumberRange:
        r = FieldReader(data, where)
        target = r.text("target")
        _target(target, r.at("target"))
        integer = r.nested("integer", _bool, False)
        low, high = r.number("low"), r.number("high")
        step = r.number("step", None, optional=True)
        log = r.nested("log", _bool, False)
        r.finish()
        if integer and not (float(low).is_integer() and float(high).is_integer()):
            fail("a range of whole numbers needs whole-number ends", r.at("low"))
        if high < low:
            fail(f"the range ends ({high:g}) below where it starts ({low:g})", r.at("high"))
        if log and low <= 0:
            fail("a log-scale range must start above 0", r.at("low"))
        if step is not None and (step <= 0 or log):
            fail("a step must be above 0, and cannot be used with a log scale", r.at("step"))
        if integer:
            low, high = int(low), int(high)
            step = int(step) if step is not None else None
        return cls(target, low, high, integer, log, step)


@dataclass(frozen=True)
class Choices:
    """One of a set of values (an activation type, a kernel size, an optimiser, a batch size...)."""

    target: str
    values: tuple

    def to_dict(self) -> dict:
        return {"target": self.target, "values": list(self.values)}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Choices:
        r = FieldReader(data, where)
        target = r.text("target")
        _target(target, r.at("target"))
        values = r.nested("values", _scalars, [])
        r.finish()
        if not values:
            fail("expected at least one value to choose from", r.at("values"))
        return cls(target, tuple(values))


@dataclass(frozen=True)
class RepeatChain:
    """A chain of connected layers (first to last, each feeding the next) repeated `low` to `high` times."""

    nodes: tuple[str, ...]
    low: int = 1
    high: int = 3

    @property
    def key(self) -> str:
        return f"repeat.{self.nodes[0]}"

    def to_dict(self) -> dict:
        return {"nodes": list(self.nodes), "low": self.low, "high": self.high}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> RepeatChain:
        r = FieldReader(data, where)
        nodes = r.texts("nodes")
        low, high = r.integer("low", 1), r.integer("high", 3, low=0)
        r.finish()
        if not nodes:
            fail("expected the ids of the layers of the chain", r.at("nodes"))
        if not low <= high <= MAX_REPEAT:
            fail(f"expected low ≤ high ≤ {MAX_REPEAT}, got {low} and {high}", r.at("high"))
        return cls(tuple(nodes), low, high)


@dataclass(frozen=True)
class SearchSpace:
    ranges: tuple[NumberRange, ...] = ()
    choices: tuple[Choices, ...] = ()
    optional: tuple[str, ...] = ()  # ids of layers each trial may keep or skip
    repeats: tuple[RepeatChain, ...] = ()
    width: tuple[float, ...] = ()  # multipliers of every layer's filters / units (empty: not searched)

    @property
    def is_empty(self) -> bool:
        """Nothing varies: every trial would train the same network with the same settings."""
        varying = [r for r in self.ranges if r.high > r.low] + [c for c in self.choices if len(c.values) > 1]
        return not (varying or self.optional or [c for c in self.repeats if c.high > c.low] or len(self.width) > 1)

    def to_dict(self) -> dict:
        return {"ranges": [r.to_dict() for r in self.ranges], "choices": [c.to_dict() for c in self.choices],
                "optional": list(self.optional), "repeats": [c.to_dict() for c in self.repeats],
                "width": list(self.width)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "search.space") -> SearchSpace:
        r = FieldReader(data, where)
        space = cls(ranges=tuple(r.items("ranges", NumberRange.from_dict, [])),
                    choices=tuple(r.items("choices", Choices.from_dict, [])),
                    optional=tuple(r.texts("optional", [])),
                    repeats=tuple(r.items("repeats", RepeatChain.from_dict, [])),
                    width=tuple(r.items("width", _multiplier, [])))
        r.finish()
        targets = [e.target for e in (*space.ranges, *space.choices)]
        for i, target in enumerate(targets):
            if target in targets[:i]:
                fail(f"{target!r} is varied twice", where)
        return space

    def check_against(self, graph: Graph) -> None:
        """Raises `SearchSpaceError` when the space is empty or names what the network does not have."""
        if self.is_empty:
            raise SearchSpaceError("The search space is empty: mark at least one setting with a range or choices, "
                                   "a layer as optional, a repeated chain or several widths, so that trials differ.")
        for entry in (*self.ranges, *self.choices):
            node_id, setting = entry.target.split(".")
            if node_id == TRAINING:
                known = TRAINING_NUMBERS if isinstance(entry, NumberRange) else {**TRAINING_NUMBERS, **TRAINING_CHOICES}
                if setting not in known:
                    raise SearchSpaceError(f"The search varies the training setting {setting!r}, which cannot be "
                                           f"searched (choose from {', '.join(sorted(known))}).")
                continue
            node = _node(graph, node_id, entry.target)
            names = {s.name: s for s in node.spec.settings}
            if setting not in names:
                raise SearchSpaceError(f"The search varies '{setting}' of {node.label}, which has no such setting.")
            for value in _entry_values(entry):
                try:
                    names[setting].check(value)
                except ValueError as exc:
                    raise SearchSpaceError(f"The search range of '{setting}' of {node.label} does not fit: "
                                           f"{exc}.") from None
        for node_id in self.optional:
            _node(graph, node_id, "an optional layer")
        for chain in self.repeats:
            for node_id in chain.nodes:
                _node(graph, node_id, "a repeated chain")


def _node(graph: Graph, node_id: str, what: str):
    if node_id not in graph.nodes:
        raise SearchSpaceError(f"The search space names a layer that is no longer in the network ({node_id!r}, in "
                               f"{what}); remove it from the search.")
    return graph.nodes[node_id]


def _entry_values(entry) -> list:
    if isinstance(entry, Choices):
        return list(entry.values)
    return [entry.low, entry.high] if not entry.integer else [int(entry.low), int(entry.high)]


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        fail("expected true or false", where)
    return value


def _scalars(value: Any, where: str) -> list:
    if not isinstance(value, list) or len(value) > MAX_CHOICES:
        fail(f"expected a list of at most {MAX_CHOICES} values", where)
    for i, item in enumerate(value):
        if not (isinstance(item, (str, bool)) or is_number(item)):
            fail("expected text, a number, true or false", f"{where}[{i}]")
    if len(set(map(repr, value))) != len(value):
        fail("lists a value twice", where)
    return value


def _multiplier(value: Any, where: str) -> float:
    if not is_number(value) or not 0 < value <= 16 or math.isnan(value):
        fail("expected a width multiplier above 0 and at most 16", where)
    return float(value)
