"""Plots of the Train and Evaluate views (pyqtgraph and QPainter). Import these modules lazily: pyqtgraph is not
loaded before the window is shown."""
