"""My blocks: the user's named blocks, one JSON file each in the blocks folder of the user's data folder
(workbench/gui/user_paths.py), read with the project file's checks; a file that cannot be read is left out. A block
can be renamed there (its file is rewritten under the new name).
"""

from __future__ import annotations

import json
import re

from workbench.core.errors import GraphEditError, WorkbenchError
from workbench.core.graph.model import Graph, check_block_name
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
    """Saves block `name` of `graph`'s network (with the blocks inside it) as one of the user's blocks: it replaces
    the one of My blocks with that name, and never another block's file whose name reads the same once cleaned up
    ("a b" and "a_b"): that one keeps its file, and this block gets a file of its own."""
    found = _read_all()
    if name in found:
        _write(graph, name, found[name][0])
        return
    stem = _file_name(name)
    path, i = blocks_folder() / f"{stem}.json", 2
    while path.exists():
        path, i = blocks_folder() / f"{stem}_{i}.json", i + 1
    _write(graph, name, path)


def _write(graph: Graph, name: str, path=None):
    """Writes block `name` of `graph`'s network as a block file (atomically), at `path` or the file its name gives;
    returns the file's path."""
    data = {"format": FORMAT, "version": 1, "name": name, "graph": block_to_dict(graph, name)}
    path = path or blocks_folder() / f"{_file_name(name)}.json"
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
    partial.replace(path)
    return path


def _read_all() -> dict:
    """Every readable block file: its block's name -> (its path, the network holding its definitions)."""
    found = {}
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
        if data["name"] in network.blocks:
            found[data["name"]] = (path, network)
    return found


def load_my_blocks() -> dict[str, dict[str, Graph]]:
    """The user's blocks by name, each as the definitions it needs by name (itself and the blocks it uses)."""
    return {name: {n: network.blocks[n] for n in [name, *network.blocks[name].used_blocks()]}
            for name, (_, network) in _read_all().items()}


def rename_my_block(old: str, new: str) -> str:
    """Renames the user's block `old` to `new` (its file follows the name); returns the new name. Refuses, in
    words, an empty name and one another of My blocks has; `OSError` when the folder cannot be written."""
    new = new.strip()
    check_block_name(new)
    found = _read_all()
    if old not in found:
        raise GraphEditError(f"There is no block called '{old}' in My blocks any more.")
    if new == old:
        return new
    if new in found:
        raise GraphEditError(f"My blocks already has a block called '{new}'. Choose another name.")
    path, network = found[old]
    target = blocks_folder() / f"{_file_name(new)}.json"
    if target != path and target.exists():
        raise GraphEditError(f"My blocks already has a file called {target.name} (another block's); choose another "
                             f"name.")
    network.rename_block(old, new)
    written = _write(network, new)
    if written != path:
        path.unlink()
    return new
