"""How long shape inference takes on big graphs, against building the torch module for the same graph.

Run: .venv/bin/python tests/bench/bench_validation.py
The editor re-validates after every edit, so validation must stay far below a frame (the issue asks < 50 ms at 500
nodes); building the module is what a naive editor would do to learn shapes.
"""

import statistics
import time

from workbench.core.build import build_module
from workbench.core.graph import Graph, validate


def chain_graph(n_nodes: int) -> Graph:
    g = Graph()
    prev = g.add_node("Input", {"shape": [32]})
    while len(g.nodes) < n_nodes - 1:
        d = g.add_node("Dense", {"units": 32})
        g.connect(prev.id, d.id)
        r = g.add_node("ReLU")
        g.connect(d.id, r.id)
        prev = r
    head = g.add_node("ClassificationHead")
    g.connect(prev.id, head.id)
    return g


def resnet_like(n_blocks: int) -> Graph:
    g = Graph()
    prev = g.add_node("Input", {"shape": [16, 8, 8]})
    for _ in range(n_blocks):
        c = g.add_node("Conv2d", {"filters": 16})
        g.connect(prev.id, c.id)
        b = g.add_node("BatchNorm2d")
        g.connect(c.id, b.id)
        a = g.add_node("Add")
        g.connect(b.id, a.id)
        g.connect(prev.id, a.id)
        r = g.add_node("ReLU")
        g.connect(a.id, r.id)
        prev = r
    gap = g.add_node("GlobalAvgPool")
    g.connect(prev.id, gap.id)
    head = g.add_node("ClassificationHead")
    g.connect(gap.id, head.id)
    return g


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    print(f"{'graph':<28}{'nodes':>7}{'validate ms':>14}{'build ms':>11}{'ratio':>8}")
    for label, graph in [("chain Dense/ReLU", chain_graph(500)), ("ResNet-like, 125 blocks", resnet_like(125)),
                         ("chain Dense/ReLU", chain_graph(2000))]:
        v = median_ms(lambda: validate(graph), 20)
        b = median_ms(lambda: build_module(graph), 3)
        print(f"{label:<28}{len(graph.nodes):>7}{v:>14.2f}{b:>11.1f}{b / v:>7.0f}x")


if __name__ == "__main__":
    main()
