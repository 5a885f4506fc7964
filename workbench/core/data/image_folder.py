"""List an image folder (one sub-folder per class) without leaving it, looping, or naming a class unreadably.

Symbolic links are never followed: a link that points back into the dataset folder would import the same images
twice (a link to the folder itself adds a fake class holding every image), and one that points out of it would read
files the user did not put in the dataset. Each skipped link is reported with where it points. A folder reached a
second time (a bind mount of a parent, say) is skipped as a loop. Folder and file names that are not valid UTF-8
(bytes such as ``b'caf\\xe9'``, which Python hands over with surrogate escapes) are read as they are, but a class
takes a printable name with the undecodable bytes written as ``\\xe9``, so that labels.txt, the ONNX metadata and
the model card can hold it; the report says so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.data.progress import ProgressReporter
from workbench.core.errors import DataError
from workbench.core.wording import agreeing, plural

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"})


def printable(name: str) -> str:
    """A file or folder name as text that any UTF-8 file can hold: undecodable bytes become ``\\xNN``."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


def quoted(name: str) -> str:
    """A name in quotes for a message (its repr, unless it holds undecodable bytes, shown as \\x codes)."""
    shown = printable(name)
    return repr(name) if shown == name else f"'{shown}'"


def _is_hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("__")


@dataclass
class _Walk:
    """What a walk of the dataset folder found besides images."""

    root_real: str
    visited: set[tuple[int, int]] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)      # (relative path, where it points)
    loops: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)                  # files that are not images by their name
    special: list[str] = field(default_factory=list)                # pipes, sockets, devices named like images

    def link_target(self, path: str) -> str:
        target = os.path.realpath(path)
        if target == self.root_real or target.startswith(self.root_real + os.sep):
            return "points back into the dataset folder"
        if not os.path.exists(target):
            return "points nowhere"
        return "points outside the dataset folder"

    def first_visit(self, entry: os.DirEntry) -> bool:
        st = entry.stat(follow_symlinks=False)
        key = (st.st_dev, st.st_ino)
        if key in self.visited:
            return False
        self.visited.add(key)
        return True

    def images_under(self, entry: os.DirEntry, rel: str) -> list[str]:
        """Relative paths of the image files under a class folder, in name order, links and loops left out."""
        found: list[str] = []
        stack = [(entry.path, rel)]
        while stack:
            path, prefix = stack.pop()
            entries = sorted(os.scandir(path), key=lambda e: e.name)
            subfolders = []
            for e in entries:
                if _is_hidden(e.name):
                    continue
                rel_e = prefix + os.sep + e.name
                if e.is_symlink():
                    self.links.append((rel_e, self.link_target(e.path)))
                elif e.is_dir(follow_symlinks=False):
                    if self.first_visit(e):
                        subfolders.append((e.path, rel_e))
                    else:
                        self.loops.append(rel_e)
                elif Path(e.name).suffix.lower() not in IMAGE_EXTENSIONS:
                    self.other.append(rel_e)
                elif e.is_file(follow_symlinks=False):
                    found.append(rel_e)
                else:
                    self.special.append(rel_e)
            stack.extend(reversed(subfolders))       # depth first, in name order
        return found


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def list_image_folder(root: Path, reporter: ProgressReporter, report: list[str]) -> tuple[list[str], list[tuple]]:
    """(class names, [(relative path, class index)]) for a folder with one sub-folder per class."""
    shown_root = printable(root.name)
    if not root.exists():
        raise DataError(f"The folder {quoted(str(root))} does not exist.")
    if not root.is_dir():
        raise DataError(f"{quoted(str(root))} is a file, not a folder of images.")
    walk = _Walk(os.path.realpath(root))
    try:
        walk.visited.add((os.stat(root).st_dev, os.stat(root).st_ino))
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as e:
        raise DataError(f"The folder {quoted(root.name)} cannot be read: {e.strerror or e}.") from None
    class_dirs = []
    loose = []
    for e in entries:
        if _is_hidden(e.name):
            continue
        if e.is_symlink():
            walk.links.append((e.name, walk.link_target(e.path)))
        elif e.is_dir(follow_symlinks=False):
            if walk.first_visit(e):
                class_dirs.append(e)
            else:
                walk.loops.append(e.name)
        elif Path(e.name).suffix.lower() in IMAGE_EXTENSIONS and e.is_file(follow_symlinks=False):
            loose.append(e.name)
    files: list[tuple[str, int]] = []
    class_names: list[str] = []
    for k, entry in enumerate(class_dirs):
        try:
            found = walk.images_under(entry, entry.name)
        except OSError as e:
            raise DataError(f"The folder {quoted(entry.name)} disappeared or cannot be read during the import "
                            f"({e.strerror or e}).") from None
        if found:
            files.extend((rel, len(class_names)) for rel in found)
            class_names.append(_class_name(entry.name, class_names, report))
        else:
            report.append(f"Folder {quoted(entry.name)} holds no images and was left out.")
        reporter.update((k + 1) / max(len(class_dirs), 1), f"Listing {printable(entry.name)}")
    _report_skipped(walk, report)
    if not files:
        if loose:
            raise DataError(f"The folder {quoted(root.name)} holds images but no sub-folders. Put the images of "
                            f"each class in a sub-folder named after the class, e.g. "
                            f"'{shown_root}/cats/{printable(loose[0])}'.")
        links = (f" ({_plural(len(walk.links), 'symbolic link')} skipped: Workbench does not follow links, so copy "
                 "the files into the folder)") if walk.links else ""
        raise DataError(f"The folder {quoted(root.name)} holds no images (png, jpg, bmp, gif or webp) in its "
                        f"sub-folders{links}.")
    if len(class_names) < 2:
        raise DataError(f"The folder {quoted(root.name)} holds a single class ({class_names[0]!r}); a classifier "
                        "needs at least two sub-folders of images, one per class.")
    if loose:
        report.append(f"Left out {len(loose)} image{'s' if len(loose) != 1 else ''} lying directly in "
                      f"{quoted(root.name)}, outside the class folders.")
    if walk.other:
        report.append(f"Ignored {plural(len(walk.other), 'file')} that "
                      f"{agreeing(len(walk.other), 'is not an image', 'are not images')} by their name (e.g. "
                      f"{quoted(walk.other[0])}).")
    return class_names, files


def _class_name(folder: str, taken: list[str], report: list[str]) -> str:
    name = printable(folder)
    if name != folder:
        report.append(f"The folder name '{name}' is not valid UTF-8 text, so its class is called '{name}' (each "
                      "unreadable byte written as a \\x code); rename the folder to give the class a readable name.")
    base, k = name, 2
    while name in taken:
        name, k = f"{base} ({k})", k + 1
    return name


def _report_skipped(walk: _Walk, report: list[str]) -> None:
    if walk.links:
        shown = "; ".join(f"{quoted(rel)} ({why})" for rel, why in walk.links[:10])
        more = f"; and {len(walk.links) - 10} more" if len(walk.links) > 10 else ""
        report.append(f"Skipped {_plural(len(walk.links), 'symbolic link')}, which Workbench does not follow: "
                      f"{shown}{more}. Copy the files into the folder to use them.")
    if walk.special:
        n = len(walk.special)
        report.append(f"Skipped {n} {'entries' if n != 1 else 'entry'} named like images that "
                      f"{'are' if n != 1 else 'is'} not a regular file (a pipe, socket or device): "
                      f"{', '.join(quoted(r) for r in walk.special[:10])}.")
    if walk.loops:
        report.append(f"Skipped {_plural(len(walk.loops), 'folder')} reached a second time (a loop): "
                      f"{', '.join(quoted(r) for r in walk.loops[:10])}.")
