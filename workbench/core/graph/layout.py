"""Automatic left-to-right layout (the canvas's Arrange, imported models): layers of the network in columns,
branches side by side in rows.

Each node goes into the column after its furthest input (longest-path layering); within a column, nodes are ordered
by the mean row of their inputs (a barycentre sweep), which keeps wires short and mostly uncrossed. A long network can
be wrapped like text: the columns are cut into bands of a few columns, each band below the one before, so that it
fits a window at a readable size. Plain Python on the graph model, so it is cheap to test and to run on large graphs.
"""

from __future__ import annotations

from workbench.core.graph.model import Graph

COLUMN_SPACING = 260.0
ROW_SPACING = 120.0
MAX_NODES_TO_WRAP = 60  # beyond this no window shows a network whole at a readable size
BAND_GAP = 90.0  # between the bands of a wrapped layout, for the wire back to the left and its shape label


def layered_layout(graph: Graph, origin: tuple[float, float] = (0.0, 0.0)) -> dict[str, tuple[float, float]]:
    """New top-left positions for every node: columns from inputs (left) to outputs (right)."""
    column, row = _columns_and_rows(graph)
    x0, y0 = origin
    return {nid: (x0 + column[nid] * COLUMN_SPACING, y0 + row[nid] * ROW_SPACING) for nid in graph.nodes}


def wrapped_layout(graph: Graph, columns_per_band: int, node_height: float,
                   origin: tuple[float, float] = (0.0, 0.0)) -> dict[str, tuple[float, float]]:
    """The left-to-right layout cut into bands of `columns_per_band` columns, each band below the one before (a long
    chain becomes rows, read like text). Each band starts `BAND_GAP` below the lowest card (`node_height` high) of the
    band above it."""
    column, row = _columns_and_rows(graph)
    return _wrap(column, row, columns_per_band, node_height, origin)


def rows_to_fit(graph: Graph, width: float, height: float, card: tuple[float, float], margin: tuple[float, float],
                zooms: tuple[float, float]) -> dict[str, tuple[float, float]] | None:
    """New positions that show the whole graph in a `width` x `height` view at no less than the smaller of `zooms`:
    the app's own layout (`layered_layout` or an earlier wrap of it) wrapped into as many bands as fit best. None when
    the graph already fits, when its layout is the user's own, or when no wrap makes it fit."""
    if not graph.nodes or len(graph.nodes) > MAX_NODES_TO_WRAP:
        return None
    card_width, card_height = card
    low, high = zooms

    def zoom_for(positions) -> float:
        xs, ys = [p[0] for p in positions.values()], [p[1] for p in positions.values()]
        extent_x = max(xs) - min(xs) + card_width + margin[0]
        extent_y = max(ys) - min(ys) + card_height + margin[1]
        return min(width / extent_x, height / extent_y, high)

    if zoom_for(graph.positions) >= low:
        return None
    column, row = _columns_and_rows(graph)
    columns = max(column.values()) + 1
    layouts = [_wrap(column, row, per_band, card_height) for per_band in range(1, columns + 1)]
    if not any(_same_shape(graph.positions, layout) for layout in layouts):
        return None  # the user placed the layers: keep their arrangement
    best = max(reversed(layouts), key=zoom_for)  # the fewest bands among equally good ones
    if zoom_for(best) < low:
        return None
    x0 = min(p[0] for p in graph.positions.values())
    y0 = min(p[1] for p in graph.positions.values())
    return {nid: (x + x0, y + y0) for nid, (x, y) in best.items()}


def _same_shape(positions: dict, layout: dict) -> bool:
    """Whether `positions` is `layout` moved as a whole (to within half a pixel)."""
    if set(positions) != set(layout):
        return False
    dx = min(p[0] for p in positions.values()) - min(p[0] for p in layout.values())
    dy = min(p[1] for p in positions.values()) - min(p[1] for p in layout.values())
    return all(abs(positions[nid][0] - x - dx) < 0.5 and abs(positions[nid][1] - y - dy) < 0.5
               for nid, (x, y) in layout.items())


def _wrap(column: dict[str, int], row: dict[str, float], columns_per_band: int, node_height: float,
          origin: tuple[float, float] = (0.0, 0.0)) -> dict[str, tuple[float, float]]:
    per_band = max(1, columns_per_band)
    bands: dict[int, list[str]] = {}
    for nid in column:
        bands.setdefault(column[nid] // per_band, []).append(nid)
    x0, y0 = origin
    positions: dict[str, tuple[float, float]] = {}
    top = y0
    for band in sorted(bands):
        members = bands[band]
        first_row = min(row[nid] for nid in members)
        for nid in members:
            positions[nid] = (x0 + (column[nid] - band * per_band) * COLUMN_SPACING,
                              top + (row[nid] - first_row) * ROW_SPACING)
        top += (max(row[nid] for nid in members) - first_row) * ROW_SPACING + node_height + BAND_GAP
    return positions


def _columns_and_rows(graph: Graph) -> tuple[dict[str, int], dict[str, float]]:
    """Each node's column (longest path from an input) and row within it (centred on 0)."""
    order = graph.topological_order()
    placed = set(order)
    parents: dict[str, list[str]] = {nid: [] for nid in graph.nodes}
    for e in graph.edges:
        if e.src in graph.nodes and e.dst in graph.nodes:
            parents[e.dst].append(e.src)

    column: dict[str, int] = {}
    for nid in order:
        column[nid] = max((column[p] + 1 for p in parents[nid] if p in column), default=0)
    last = max(column.values(), default=-1)
    for nid in graph.nodes:  # nodes on a loop go in a column of their own, after the rest
        if nid not in placed:
            column[nid] = last + 1

    columns: dict[int, list[str]] = {}
    for nid in list(order) + [n for n in graph.nodes if n not in placed]:
        columns.setdefault(column[nid], []).append(nid)

    row: dict[str, float] = {}
    for index in sorted(columns):
        members = columns[index]
        if index > 0:
            first_place = {nid: i for i, nid in enumerate(members)}  # for nodes whose inputs have no row yet (loops)

            def barycentre(nid: str, first_place=first_place) -> float:
                rows = [row[p] for p in parents[nid] if p in row]
                return sum(rows) / len(rows) if rows else float(first_place[nid])
            members.sort(key=barycentre)
        for i, nid in enumerate(members):
            row[nid] = i - (len(members) - 1) / 2
    return column, row
