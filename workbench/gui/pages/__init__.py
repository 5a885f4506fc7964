"""The main window's pages, one sub-package each: design (the canvas with its palette, inspector and problems
list), data, train, evaluate, export and try it. A page holds its view and its forms; what pages share lives
outside this package (canvas/, document/, plots/, workers.py), and no page imports another (a test checks): pages
talk through the document and the window's signals.
"""
