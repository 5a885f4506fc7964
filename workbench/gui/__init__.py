"""The Qt application: main window, graph editor, panels and workers. Only this package imports Qt."""
