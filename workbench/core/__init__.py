"""The Qt-free core: graph, layers, shapes, data, training, compression, export and project files."""
