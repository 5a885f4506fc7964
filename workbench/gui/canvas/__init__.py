"""The canvas: a scene that mirrors the graph model (nodes, wires, ports) and the view that shows it."""
