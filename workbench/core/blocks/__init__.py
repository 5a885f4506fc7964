"""Block definitions that come with Workbench, offered in the palette next to the user's own."""

from workbench.core.blocks.shipped import SHIPPED_BLOCKS, ShippedBlock

__all__ = ["SHIPPED_BLOCKS", "ShippedBlock"]
