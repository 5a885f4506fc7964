"""The Qt application: main window, pages, canvas, plots and workers. Only this package imports Qt."""
