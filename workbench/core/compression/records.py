"""What compression reports about a variant, as typed values with `to_dict` / `from_dict`: the parity check
against its reference (`Parity`) and what it did to each layer (`LayerEffect`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.core.fields import FieldReader, fail

EFFECT_KINDS = ("error", "sparsity", "channels")


@dataclass(frozen=True)
class Parity:
    """How closely the variant's ONNX file computes what its reference network computes."""

    max_abs_diff: float
    agreement: float | None  # classifiers: share of samples given the reference's class
    samples: int
    reference: str  # "its own network" | "the trained fp32 network"

    def to_dict(self) -> dict:
        return {"max_abs_diff": self.max_abs_diff, "agreement": self.agreement, "samples": self.samples,
                "reference": self.reference}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Parity:
        r = FieldReader(data, where)
        parity = cls(max_abs_diff=r.number("max_abs_diff"), agreement=r.number("agreement", None, optional=True),
                     samples=r.integer("samples"), reference=r.text("reference"))
        r.finish()
        return parity


@dataclass(frozen=True)
class LayerEffect:
    """One layer's figure: the relative error of its output ("error", quantization and FP16), its share of zero
    weights ("sparsity", magnitude pruning) or its channels before and after ("channels", structured pruning)."""

    node: str  # node id
    name: str
    type: str
    kind: str
    value: float | None = None  # error or sparsity
    before: int | None = None  # channels
    after: int | None = None

    def to_dict(self) -> dict:
        row = {"node": self.node, "name": self.name, "type": self.type, "kind": self.kind}
        if self.kind == "channels":
            row["before"], row["after"] = self.before, self.after
        else:
            row["value"] = self.value
        return row

    @classmethod
    def from_dict(cls, data: Any, where: str) -> LayerEffect:
        r = FieldReader(data, where)
        node, name, type_name, kind = r.text("node"), r.text("name"), r.text("type"), r.text("kind")
        if kind not in EFFECT_KINDS:
            fail(f"expected one of {', '.join(EFFECT_KINDS)}, got {kind!r}", r.at("kind"))
        if kind == "channels":
            effect = cls(node, name, type_name, kind, before=r.integer("before"), after=r.integer("after"))
        else:
            effect = cls(node, name, type_name, kind, value=r.number("value"))
        r.finish()
        return effect
