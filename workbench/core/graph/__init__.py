"""The network as a graph of layers: the model, its validation and its (de)serialisation."""

from workbench.core.graph.model import Edge, Graph, Node
from workbench.core.graph.validate import Fix, Problem, ValidationResult, validate

__all__ = ["Edge", "Fix", "Graph", "Node", "Problem", "ValidationResult", "validate"]
