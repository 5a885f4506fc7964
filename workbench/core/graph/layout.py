"""Automatic left-to-right layout (the canvas's Arrange, imported models): layers of the network in columns,
branches side by side in rows.

Each node goes into the column after its furthest input (longest-path layering); within a column, nodes are ordered
by the mean row of their inputs (a barycentre sweep), which keeps wires short and mostly uncrossed. Plain Python on
the graph model, so it is cheap to test and to run on large graphs.
"""

from __future__ import annotations

from workbench.core.graph.model import Graph

COLUMN_SPACING = 260.0
ROW_SPACING = 120.0


def layered_layout(graph: Graph, origin: tuple[float, float] = (0.0, 0.0)) -> dict[str, tuple[float, float]]:
    """New top-left positions for every node: columns from inputs (left) to outputs (right)."""
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

    x0, y0 = origin
    return {nid: (x0 + column[nid] * COLUMN_SPACING, y0 + row[nid] * ROW_SPACING) for nid in graph.nodes}
