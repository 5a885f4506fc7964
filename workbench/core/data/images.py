"""Image folders (one sub-folder per class) decoded into a compact uint8 (N, C, H, W) array.

The array is allocated once for all listed files and every image is decoded, converted and resized straight into
its slot, so memory stays at one byte per stored pixel however many images there are. Any mode is accepted:
palette and RGBA images (transparency is laid on a white background), 16-bit and 32-bit grayscale (scaled to 8 bits),
CMYK and the like. Unreadable or corrupt files are skipped and listed in the report; a file that vanishes while the
import runs stops it with a clear message. `image_to_array` is shared with `apply_preprocessing`.

`open_image` refuses an image of more than `MAX_IMAGE_PIXELS` pixels from its header, before a pixel is decoded:
a decompression bomb (a small file that decodes to gigabytes) or a huge scan would otherwise take memory
proportional to its pixels. Pillow's own guard (`PIL.Image.MAX_IMAGE_PIXELS`) only warns on stderr up to twice its
limit; here its limit is a hard one with a message for the user. The import skips such a file and lists it.
"""

from __future__ import annotations

import os
import re
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from workbench.core.data.dataset import Dataset
from workbench.core.data.image_folder import list_image_folder, printable, quoted
from workbench.core.data.progress import ProgressReporter
from workbench.core.data.splits import check_classes_in_train, make_splits
from workbench.core.errors import DataError

MAX_IMAGE_PIXELS = 89_478_485
"""Pixels per image at most (Pillow's default limit, about a quarter of a gigabyte as 8-bit RGB)."""
AUTO_MAX_SIDE = 64
BACKGROUND = 255
_GRAY_MODES = ("1", "L", "LA", "La", "I", "F") + tuple(m for m in ("I;16", "I;16B", "I;16L", "I;16N"))


def image_preprocessing(size: tuple[int, int], channels: int, raw_max: int = 255) -> dict:
    return {
        "kind": "image",
        "version": 1,
        "size": [int(size[0]), int(size[1])],
        "channels": int(channels),
        "color_mode": "grayscale" if channels == 1 else "rgb",
        "resample": "bilinear",
        "alpha_background": BACKGROUND,
        "raw_max": raw_max,
        "jpeg_draft": True,
        "layout": "NCHW",
    }


def _to_8bit(img, notes: Counter):
    """Any Pillow mode -> "L" or "RGB" (8 bits per channel)."""
    from PIL import Image  # lazy

    mode = img.mode
    if mode in ("L", "RGB"):
        return img
    if mode == "P":
        notes["palette"] += 1
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        mode = img.mode
    elif mode == "PA":
        notes["palette"] += 1
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode.startswith("I") or mode == "F":
        arr = np.asarray(img)
        if mode == "F":
            arr8 = np.rint(np.clip(arr, 0, 255)).astype(np.uint8)
        else:
            notes["deep"] += 1
            wide = np.clip(arr.astype(np.int64), 0, 65535)
            arr8 = ((wide * 255 + 32767) // 65535).astype(np.uint8)
        return Image.fromarray(arr8, "L")
    if mode in ("LA", "La", "RGBA", "RGBa"):
        notes["alpha"] += 1
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (BACKGROUND, BACKGROUND, BACKGROUND, 255))
        return Image.alpha_composite(background, rgba).convert("L" if mode in ("LA", "La") else "RGB")
    if mode == "1":
        return img.convert("L")
    return img.convert("RGB")


class ImageTooLargeError(DataError):
    """An image with more pixels than `MAX_IMAGE_PIXELS`, refused before it is decoded."""

    def __init__(self, name: str, pixels: int | None):
        self.size_text = f"{pixels / 1e6:,.0f} million pixels" if pixels else "more pixels than Pillow allows"
        super().__init__(f"The image {name} is too large to read ({self.size_text}; the limit is "
                         f"{MAX_IMAGE_PIXELS / 1e6:.1f} million, to keep memory bounded). Scale it down, or check "
                         "that it is the image you meant.")


def open_image(path: str | os.PathLike):
    """Opens an image file lazily (only its header is read), refusing one of more than `MAX_IMAGE_PIXELS` pixels
    with `ImageTooLargeError`. Other failures are Pillow's (`OSError`, `UnidentifiedImageError`, ...)."""
    from PIL import Image  # lazy

    name = quoted(Path(path).name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(path)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            found = re.search(r"\((\d+) pixels\)", str(exc))     # "Image size (N pixels) exceeds limit ..."
            raise ImageTooLargeError(name, int(found.group(1)) if found else None) from None
    width, height = img.size
    if width * height > MAX_IMAGE_PIXELS:
        img.close()
        raise ImageTooLargeError(name, width * height)
    return img


def image_to_array(img, size: tuple[int, int], channels: int, out: np.ndarray | None = None,
                   notes: Counter | None = None) -> np.ndarray:
    """A Pillow image -> uint8 (C, H, W) at ``size`` (height, width), written into ``out`` when given."""
    from PIL import Image  # lazy

    notes = notes if notes is not None else Counter()
    height, width = size
    if getattr(img, "format", None) == "JPEG" and hasattr(img, "draft") and \
            (img.size[0] >= 2 * width and img.size[1] >= 2 * height):
        img.draft("L" if channels == 1 else "RGB", (width, height))   # decode JPEG at a reduced scale (fast)
    img = _to_8bit(img, notes)
    mode = "L" if channels == 1 else "RGB"
    if img.mode != mode:
        img = img.convert(mode)
    if img.size != (width, height):
        notes["resized"] += 1
        img = img.resize((width, height), Image.Resampling.BILINEAR)
    arr = np.asarray(img)
    if out is None:
        out = np.empty((channels, height, width), dtype=np.uint8)
    if channels == 1:
        out[0] = arr
    else:
        out[:] = arr.transpose(2, 0, 1)
    return out


def _choose_format(root: Path, files: list[tuple], options: dict, report: list[str]) -> tuple[tuple[int, int], int]:
    step = max(1, len(files) // 50)
    sample = files[::step][:50]
    sizes: Counter = Counter()
    colour = False
    for i, (rel, _) in enumerate(sample):
        try:
            with open_image(root / rel) as img:
                sizes[(img.size[1], img.size[0])] += 1
                if options.get("color_mode", "auto") == "auto" and i < 20 and not colour:
                    colour = _looks_colour(img)
        except FileNotFoundError:
            raise DataError(f"The file {rel!r} disappeared during the import; put it back and import again.") \
                from None
        except Exception:   # noqa: BLE001 - a corrupt file is reported when it is decoded
            continue
    size_opt = options.get("image_size")
    if size_opt is not None:
        size = (size_opt, size_opt) if isinstance(size_opt, int) else (size_opt[0], size_opt[1])
        report.append(f"Images resized to {size[1]}x{size[0]} pixels (width x height), as chosen.")
    elif sizes:
        (h, w), _ = sizes.most_common(1)[0]
        if max(h, w) > AUTO_MAX_SIDE:
            scale = AUTO_MAX_SIDE / max(h, w)
            size = (max(1, round(h * scale)), max(1, round(w * scale)))
            report.append(f"Images resized to {size[1]}x{size[0]} pixels (their usual size {w}x{h}, made to fit "
                          f"{AUTO_MAX_SIDE} pixels; choose another image size to change it).")
        else:
            size = (h, w)
            report.append(f"Images kept at their usual size, {w}x{h} pixels.")
    else:
        size = (32, 32)
    mode = options.get("color_mode", "auto")
    if mode == "auto":
        mode = "rgb" if colour else "grayscale"
        report.append(f"Color: {'RGB (3 channels)' if colour else 'grayscale (1 channel)'}, detected from the "
                      "images.")
    return size, 3 if mode == "rgb" else 1


def _looks_colour(img) -> bool:
    if img.mode in _GRAY_MODES:
        return False
    small = img.copy()
    small.thumbnail((32, 32))
    arr = np.asarray(_to_8bit(small, Counter()).convert("RGB")).astype(np.int16)
    return bool(np.abs(arr[..., 0] - arr[..., 1]).max() > 8 or np.abs(arr[..., 1] - arr[..., 2]).max() > 8)


def load_image_folder(root: Path, options: dict, split: dict, reporter: ProgressReporter) -> Dataset:
    report: list[str] = []
    reporter.stage(0.0, 0.05)
    reporter.update(0.0, f"Listing {printable(root.name)}", force=True)
    class_names, files = list_image_folder(root, reporter, report)
    size, channels = _choose_format(root, files, options, report)
    n = len(files)
    reporter.stage(0.05, 1.0)
    x = np.empty((n, channels, size[0], size[1]), dtype=np.uint8)
    y = np.empty(n, dtype=np.int64)
    notes: Counter = Counter()
    skipped: list[str] = []
    reasons: list[str] = []
    count = 0
    base = str(root) + os.sep
    kept_files: list[str] = []
    for i, (rel, label) in enumerate(files):
        try:
            with open_image(base + rel) as img:
                image_to_array(img, size, channels, out=x[count], notes=notes)
        except FileNotFoundError:
            raise DataError(f"The file {quoted(rel)} disappeared during the import; put it back and import "
                            "again.") from None
        except Exception as e:   # noqa: BLE001 - any decoder failure means "not a readable image"
            skipped.append(rel)
            reasons.append(_reason(e))
        else:
            y[count] = label
            kept_files.append(base + rel)
            count += 1
        reporter.update((i + 1) / n, f"Reading images: {i + 1:,} of {n:,}")
    if skipped:
        shown = "; ".join(f"{printable(rel)} ({why})" for rel, why in zip(skipped[:10], reasons[:10]))
        more = f"; and {len(skipped) - 10} more" if len(skipped) > 10 else ""
        report.append(f"Skipped {len(skipped)} unreadable file{'s' if len(skipped) != 1 else ''}: {shown}{more}.")
    if count < n:
        x.resize((count, channels, size[0], size[1]), refcheck=False)   # shrink in place, no copy
        y = y[:count].copy()
    _report_conversions(notes, report)
    present = np.bincount(y, minlength=len(class_names))
    if (present == 0).any():
        gone = [class_names[k] for k in np.flatnonzero(present == 0)]
        report.append(f"Folder {gone[0]!r} has no readable images and was left out.")
        keep_classes = np.flatnonzero(present > 0)
        remap = np.full(len(class_names), -1, dtype=np.int64)
        remap[keep_classes] = np.arange(len(keep_classes))
        y = remap[y]
        class_names = [class_names[k] for k in keep_classes]
    if count == 0:
        raise DataError(f"None of the {n} images in {quoted(root.name)} could be read.")
    if len(class_names) < 2:
        raise DataError(f"Only the class {class_names[0]!r} has readable images; a classifier needs at least two.")
    splits = make_splits(count, split, y)
    check_classes_in_train(splits, y, class_names, report)
    pre = image_preprocessing(size, channels)
    pre["target"] = {"task": "classification", "columns": [], "classes": class_names}
    counts = ", ".join(f"{name} {c}" for name, c in zip(class_names, np.bincount(y, minlength=len(class_names))))
    return Dataset(name=printable(root.name), task="classification", x=x, y=y, class_names=class_names,
                   input_shape=(channels, size[0], size[1]), input_dtype="float", preprocessing=pre, splits=splits,
                   report=report, skipped=skipped, sample_files=kept_files,
                   description=f"{count:,} images in {len(class_names)} classes ({counts}).")


def _reason(error: Exception) -> str:
    if isinstance(error, ImageTooLargeError):
        return f"too large: {error.size_text}"
    name = type(error).__name__
    if name == "UnidentifiedImageError":
        return "not an image"
    if isinstance(error, PermissionError):
        return "permission denied"
    if "truncated" in str(error):
        return "cut short"
    return "damaged"


def _report_conversions(notes: Counter, report: list[str]) -> None:
    if notes["resized"]:
        report.append(f"{notes['resized']} image{'s were' if notes['resized'] != 1 else ' was'} resized.")
    if notes["alpha"]:
        report.append(f"{notes['alpha']} image{'s' if notes['alpha'] != 1 else ''} with transparency laid on a "
                      "white background.")
    if notes["palette"]:
        report.append(f"{notes['palette']} palette image{'s' if notes['palette'] != 1 else ''} converted to full "
                      "color.")
    if notes["deep"]:
        report.append(f"{notes['deep']} image{'s' if notes['deep'] != 1 else ''} with 16 or 32 bits per pixel "
                      "scaled to 8 bits.")
