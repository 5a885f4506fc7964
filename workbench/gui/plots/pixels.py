"""Image samples as Qt images: uint8 (C, H, W) pixels, grayscale or colour, to a `QImage` of their own."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def pixels_to_qimage(pixels: np.ndarray) -> QImage:
    """(C, H, W) pixels (uint8, or floats in 0..1) -> a QImage that owns its data: grayscale for one channel, RGB
    for three or more (the first three)."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        pixels = np.clip(np.rint(pixels * 255.0), 0, 255).astype(np.uint8)
    channels, height, width = pixels.shape
    if channels == 1:
        data = np.ascontiguousarray(pixels[0])
        return QImage(data.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    data = np.ascontiguousarray(np.transpose(pixels[:3], (1, 2, 0)))
    return QImage(data.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
