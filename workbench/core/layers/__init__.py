"""The layer catalog: what layer types exist and how each behaves."""

from workbench.core.layers import block_layers, more_layers  # noqa: F401  (register their layer types into CATALOG)
from workbench.core.layers.block_layers import block_spec
from workbench.core.layers.catalog import CATALOG, CATEGORIES, get_spec
from workbench.core.layers.spec import BATCH, LayerSpec, NeedsRank, Port, Setting, TensorInfo, format_shape

__all__ = ["BATCH", "CATALOG", "CATEGORIES", "LayerSpec", "NeedsRank", "Port", "Setting", "TensorInfo",
           "block_spec", "format_shape", "get_spec"]
