"""My blocks: the user's named blocks, one JSON file each in the blocks folder of the user's data folder
(workbench/gui/user_paths.py), read with the project file's checks; a file that cannot be read is left out.
"""

from __future__ import annotations

import json
import re

from workbench.core.errors import WorkbenchError
from workbench.core.graph.model import Graph
from workbench.core.graph.serialize import block_to_dict, graph_from_dict
from workbench.gui.user_paths import data_dir

FORMAT = "workbench-block"
MAX_FILE_BYTES = 5_000_000


def blocks_folder():
    folder = data_dir() / "blocks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:60] or "block"


def save_my_block(graph: Graph, name: str) -> None:
    """Saves block `name` of `graph`'s network (with the blocks inside it) as one of the user's blocks."""
    data = {"format": FORMAT, "version": 1, "name": name, "graph": block_to_dict(graph, name)}
    path = blocks_folder() / f"{_file_name(name)}.json"
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
    partial.replace(path)


def load_my_blocks() -> dict[str, dict[str, Graph]]:
    """The user's blocks by name, each as the definitions it needs by name (itself and the blocks it uses)."""
    found: dict[str, dict[str, Graph]] = {}
    for path in sorted(blocks_folder().glob("*.json")):
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("name"), str):
                continue
            network = graph_from_dict(data["graph"], field=path.name)
        except (OSError, ValueError, WorkbenchError):
            continue
        name = data["name"]
        if name in network.blocks:
            found[name] = {n: network.blocks[n] for n in [name, *network.blocks[name].used_blocks()]}
    return found
