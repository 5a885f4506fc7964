"""How a layer type is declared: its settings, ports, shape rule, cost, torch builder and what compression needs to
know about it.

A `LayerSpec` is data. The palette, the inspector, validation, the model builder, the project file and compression
all read the same declaration, so adding a layer type means adding one `LayerSpec` to the catalog.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Sequence

from workbench.core.errors import ShapeError

BATCH = None  # the symbolic batch dimension in a shape


@dataclass(frozen=True)
class TensorInfo:
    """What flows along a wire: a shape whose first entry is the symbolic batch, an element kind, and whether a
    padding mask travels with it (a sequence of token ids, or what was made of them, whose steps after the text's
    end are padding: attention, sequence pooling and recurrent layers skip them)."""

    shape: tuple[int | None, ...]
    dtype: str = "float"  # "float" or "int" (token ids)
    masked: bool = field(default=False, compare=False)  # axis 1 is time and a padding mask travels with it; follows
    # from the shape, kind and wiring, so it takes no part in comparing two tensors

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.shape[1:])  # type: ignore[return-value]

    def __str__(self) -> str:
        return format_shape(self.shape)


def format_shape(shape: Sequence[int | None]) -> str:
    parts = ["batch" if d is None else str(d) for d in shape]
    return "(" + ", ".join(parts) + ")"


class NeedsRank(ShapeError):
    """Raised by a shape rule when input `index` must have one of `ranks`; the validator words the message."""

    def __init__(self, ranks: tuple[int, ...], layout: str, index: int = 0):
        self.ranks = ranks
        self.layout = layout
        self.index = index
        super().__init__(f"needs a {'-D or '.join(str(r) for r in ranks)}-D input {layout}")


@dataclass(frozen=True)
class Setting:
    """One typed, bounded setting of a layer."""

    name: str
    kind: str  # "int" | "float" | "choice" | "bool" | "tuple" | "text" (shown, not edited: an imported operator)
    default: Any
    label: str = ""
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    min_length: int = 1  # tuples only
    max_length: int = 4

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " ").capitalize())

    def check(self, value: Any) -> Any:
        """Return `value` in canonical form, or raise ValueError with a message in the user's words."""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"expected true or false, got {value!r}")
            return value
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise ValueError(f"expected a whole number, got {value!r}")
            self._check_range(value)
            return value
        if self.kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"expected a number, got {value!r}")
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"expected a finite number, got {value!r}")
            self._check_range(value)
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"expected one of {', '.join(self.choices)}, got {value!r}")
            return value
        if self.kind == "tuple":
            if not isinstance(value, (list, tuple)):
                raise ValueError(f"expected a list of whole numbers, got {value!r}")
            if not self.min_length <= len(value) <= self.max_length:
                raise ValueError(f"expected {self.min_length} to {self.max_length} numbers, got {len(value)}")
            for item in value:
                if isinstance(item, bool) or not isinstance(item, int):
                    raise ValueError(f"expected whole numbers, got {item!r}")
                self._check_range(item)
            return tuple(value)
        if self.kind == "text":
            if not isinstance(value, str) or len(value) > 200:
                raise ValueError(f"expected a text of at most 200 characters, got {value!r}")
            return value
        raise AssertionError(f"unknown setting kind {self.kind}")

    def _check_range(self, value: float) -> None:
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{value} is below the smallest allowed value, {_num(self.minimum)}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"{value} is above the largest allowed value, {_num(self.maximum)}")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class Port:
    name: str
    multi: bool = False  # accepts several incoming wires (Add, Concat)


class ChannelRole(Enum):
    """What a layer is to structured pruning, which removes output channels (or units) of some layers and follows
    the removed channels downstream, through every layer, to the layers that read them."""

    REMOVABLE = "its output channels can be removed (its width setting is lowered); it reads channels too"
    CONSUMES = "reads channels: its input width can shrink, its own outputs stay"
    ELEMENTWISE = "passes every value through on its own, on any axis"
    KEEPS_CHANNELS_FIRST = "keeps the channels apart on axis 1; its per-channel state follows the kept channels"
    FLATTENS = "keeps the channels on axis 1 and lays each out as a block of features"
    POOLS_TIME = "summarises the time steps of a sequence; the features on its last axis stay features"
    BLOCKS = "needs all of its inputs: the layers before it keep their channels"


@dataclass(frozen=True)
class CompressionTraits:
    """What compression needs to know about a layer type. Every field is declared for every layer type."""

    magnitude_pruned: bool  # magnitude pruning zeroes its weight matrices and kernels
    channels: ChannelRole  # its part in structured pruning
    width: str | None  # the setting holding its width (output channels or units, hidden or feed-forward size):
    # a distilled student scales it; structured pruning lowers it to the channels kept (REMOVABLE layers)
    channel_axis: int | None  # REMOVABLE / CONSUMES: the axis holding the channels it reads and writes, 1 or -1
    weight_input_axis: int | None  # REMOVABLE / CONSUMES: the axis of its weight tensor that runs over its inputs


ShapeRule = Callable[[dict, list[TensorInfo]], TensorInfo]
CostRule = Callable[[dict, list[TensorInfo], TensorInfo], tuple[int, int]]  # -> (parameters, multiply-accumulates)
Builder = Callable[[dict, list[TensorInfo]], Any]  # -> torch.nn.Module


@dataclass(frozen=True)
class LayerSpec:
    """The single declaration of a layer type."""

    type_name: str  # stable identifier used in project files
    display_name: str
    category: str
    description: str  # one line, shown as a tooltip
    settings: tuple[Setting, ...]
    shape_rule: ShapeRule
    build: Builder
    cost: CostRule = lambda params, ins, out: (0, 0)
    inputs: tuple[Port, ...] = (Port("in"),)
    outputs: tuple[Port, ...] = (Port("out"),)
    role: str = "layer"  # "input" | "layer" | "head" | "placeholder" (an imported operator without a layer)
    name_prefix: str = ""  # default node names: prefix1, prefix2, ...
    extra: dict = field(default_factory=dict)
    compression: CompressionTraits = field(kw_only=True)  # required: no layer type is silently left out

    @property
    def addable(self) -> bool:
        """Offered to the user as a layer (palette, menus); a placeholder only comes with an imported model, a block
        from the palette's blocks and a block's ports with "Make block"."""
        return self.role not in ("placeholder", "block", "block_input", "block_output")

    def setting(self, name: str) -> Setting:
        for s in self.settings:
            if s.name == name:
                return s
        raise KeyError(name)

    def defaults(self) -> dict:
        return {s.name: s.default for s in self.settings}

    def check_params(self, params: dict) -> dict:
        """Full, canonical parameters: defaults filled in; raises ValueError('name: reason') on a bad value."""
        known = {s.name for s in self.settings}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(f"{unknown[0]}: {self.display_name} has no setting called {unknown[0]!r}")
        out = {}
        for s in self.settings:
            value = params.get(s.name, s.default)
            try:
                out[s.name] = s.check(value)
            except ValueError as exc:
                raise ValueError(f"{s.name}: {exc}") from None
        return out
