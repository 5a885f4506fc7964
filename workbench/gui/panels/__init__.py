"""Panels of the main window: the Design page's palette, inspector and problems list, and the other pages."""
