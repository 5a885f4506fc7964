"""Generators of bad inputs for the hostile-input tests: decompression-bomb PNGs that are small on disk, image
folders, weights files, a tiny exported model beside a copy of predict.py, a small trained project, small full or
read-only disks (tmpfs), and the checks every case shares (no traceback, files unchanged, peak memory of a child
process)."""

from __future__ import annotations

import atexit
import errno
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

from workbench.core.export import predict_script

PREDICT_SOURCE = Path(predict_script.__file__)


# ----------------------------------------------------------------------------------------------- files unchanged

HASHED_BYTES = 32 * 1024 * 1024  # larger files (a 200 MB sparse file) are compared by size and modification time


def tree_digest(root: Path) -> dict[str, str]:
    """Every file and link under ``root`` -> a hash of its bytes (or of where a link points)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                out[rel] = "link:" + os.readlink(path)
            elif os.path.isfile(path):
                info = os.stat(path)
                if info.st_size > HASHED_BYTES:
                    out[rel] = f"large:{info.st_size}:{info.st_mtime_ns}"
                    continue
                with open(path, "rb") as f:
                    out[rel] = hashlib.sha256(f.read()).hexdigest()
            elif not os.path.isdir(path):
                out[rel] = "special"
    return out


# ------------------------------------------------------------------------------------------------------- images

def png_bytes(width: int, height: int, bit_depth: int = 1) -> bytes:
    """A valid all-black grayscale PNG; at bit depth 1 a 20000 x 20000 image is a few kilobytes on disk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes((width * bit_depth + 7) // 8)
    packer = zlib.compressobj(9)
    block = row * 512
    parts = []
    for start in range(0, height, 512):
        parts.append(packer.compress(block if start + 512 <= height else row * (height - start)))
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def png_header(width: int, height: int) -> bytes:
    """The start of a PNG that declares width x height pixels: its header and a few bytes of pixel data."""
    whole = png_bytes(8, 8)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return whole[:8] + chunk + whole[33:-12]


def small_png(path: Path, value: int, size=(6, 4)) -> None:
    from PIL import Image

    w, h = size
    arr = (np.arange(w * h).reshape(h, w) * 3 + value) % 256
    Image.fromarray(arr.astype(np.uint8), "L").save(path)


def image_folder(root: Path, classes=("cats", "dogs"), per_class: int = 4) -> Path:
    for k, name in enumerate(classes):
        folder = Path(os.fsdecode(os.path.join(os.fsencode(root), os.fsencode(name))))
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            small_png(folder / f"{i}.png", k * 50 + i * 10)
    return root


# ------------------------------------------------------------------------------------------------------ weights

def tiny_module():
    """A built network of two Dense layers from the MLP template, as a project would hold it."""
    from workbench.core.build import build_module
    from workbench.core.project import open_template

    project = open_template("mlp")
    return project, build_module(project.graph)


def write_weights(path: Path, tensors: dict, node_names: dict | None = None) -> Path:
    from safetensors.torch import save_file

    meta = {"format": "pt"}
    if node_names is not None:
        meta["workbench.node_names"] = json.dumps(node_names)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(path), metadata=meta)
    return path


# ---------------------------------------------------------------------------------------------- exported model

def export_folder(folder: Path, preprocessing: dict, task: str, labels: list[str], input_shape: tuple,
                  outputs: int) -> Path:
    """model.onnx (a fixed linear map of the flattened input, with Workbench's metadata) and predict.py."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from workbench.core.export.metadata import build_metadata

    features = int(np.prod(input_shape))
    weight = np.linspace(-1, 1, features * outputs, dtype=np.float32).reshape(features, outputs)
    int_input = preprocessing["kind"] in ("text", "tokens")
    nodes = []
    flat_in = "input"
    if int_input:
        nodes.append(helper.make_node("Cast", ["input"], ["as_float"], to=TensorProto.FLOAT))
        flat_in = "as_float"
    nodes += [helper.make_node("Flatten", [flat_in], ["flat"], axis=1),
              helper.make_node("MatMul", ["flat", "weight"], ["output"])]
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("input", TensorProto.INT64 if int_input else TensorProto.FLOAT,
                                       ["batch", *input_shape])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", outputs])],
        [numpy_helper.from_array(weight, "weight")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in build_metadata(name="tiny", description="", task=task, labels=labels,
                                     preprocessing=preprocessing).items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save_model(model, str(folder / "model.onnx"))
    shutil.copyfile(PREDICT_SOURCE, folder / "predict.py")
    return folder


def table_export(folder: Path) -> tuple[Path, dict]:
    """An exported classifier of a small table (size: number, colour: red/green/blue, label: a/b)."""
    from workbench.core.data import DatasetSpec, load_dataset

    colours = ["red", "green", "blue"]
    lines = ["size,colour,label"] + [f"{i % 7 + 0.5},{colours[i % 3]},{'ab'[i % 2]}" for i in range(40)]
    data = folder / "train.csv"
    folder.mkdir(parents=True, exist_ok=True)
    data.write_text("\n".join(lines) + "\n")
    pre = load_dataset(DatasetSpec(source="csv", path=str(data), options={"target": "label"})).preprocessing
    data.unlink()
    return export_folder(folder / "export", pre, "classification", ["a", "b"], (len(pre["feature_names"]),),
                         2), pre


def image_export(folder: Path) -> Path:
    from workbench.core.data.images import image_preprocessing

    pre = image_preprocessing((4, 6), 1)
    pre["target"] = {"task": "classification", "columns": [], "classes": ["cats", "dogs"]}
    return export_folder(folder, pre, "classification", ["cats", "dogs"], (1, 4, 6), 2)


def array_export(folder: Path) -> Path:
    """A classifier of 3 standardised numbers per sample, as an .npz import makes it."""
    pre = {"kind": "array", "version": 1, "shape": [3], "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25],
           "target": {"task": "classification", "columns": [], "classes": ["a", "b"]}}
    return export_folder(folder, pre, "classification", ["a", "b"], (3,), 2)


def tokens_export(folder: Path) -> Path:
    """A classifier of 4 token ids below 10 per sample."""
    pre = {"kind": "tokens", "version": 1, "max_len": 4, "vocab_size": 10, "pad_id": 0,
           "target": {"task": "classification", "columns": [], "classes": ["a", "b"]}}
    return export_folder(folder, pre, "classification", ["a", "b"], (4,), 2)


def run_predict(folder: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """predict.py run as a user runs it: its own process, from the export folder."""
    return subprocess.run([sys.executable, str(folder / "predict.py"), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, cwd=folder)


PEAK_RSS = """
def peak_rss_kib():
    # VmHWM: this process's own high-water mark. (getrusage's ru_maxrss is no good here: it starts from the
    # parent's resident size at fork, so a child smaller than the test process reads as big as it.)
    with open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith("VmHWM:")).split()[1])
"""

PEAK_RSS_SCRIPT = PEAK_RSS + """
import runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    sys.stderr.write(f"\\npeak-rss-kib {peak_rss_kib()}\\n")
"""


def run_predict_measured(folder: Path, *args: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess, int]:
    """predict.py in a child process, and that process's peak resident memory in bytes (Linux)."""
    done = subprocess.run([sys.executable, "-c", PEAK_RSS_SCRIPT, str(folder / "predict.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=folder)
    cut = done.stderr.rindex("\npeak-rss-kib ")
    peak = int(done.stderr[cut:].split()[-1]) * 1024
    done.stderr = done.stderr[:cut]
    return done, peak


# ------------------------------------------------------------------------------------------------------ projects

_TRAINED_SOURCE: list[Path] = []


def _trained_source() -> Path:
    """A folder holding p.json (the MLP template trained for one epoch on the built-in iris data, with a dynamic
    INT8 variant) and its runs/ and variants/ folders; made once per test process."""
    if not _TRAINED_SOURCE:
        from workbench.core.project import actions, open_template

        folder = Path(tempfile.mkdtemp(prefix="hostile-trained-"))
        atexit.register(shutil.rmtree, folder, True)
        project = open_template("mlp")
        outcome = actions.train_project(project, folder, settings=project.training.replaced(epochs=1, device="cpu"),
                                        num_threads=1)
        outcome.add_to(project)
        project.add_variants(actions.compress_project(project, "int8-dynamic", base_dir=folder, workspace=folder))
        actions.save_project(project, folder / "p.json")
        _TRAINED_SOURCE.append(folder)
    return _TRAINED_SOURCE[0]


def trained_project(folder: Path, name: str = "p.json") -> Path:
    """A copy in `folder` of a small trained project (its file `name` and the folders of its runs and variant)."""
    source = _trained_source()
    folder.mkdir(parents=True, exist_ok=True)
    for sub in source.iterdir():
        if sub.is_dir():
            shutil.copytree(sub, folder / sub.name, dirs_exist_ok=True)
    shutil.copyfile(source / "p.json", folder / name)
    return folder / name


def trained_project_dict() -> dict:
    return json.loads((_trained_source() / "p.json").read_text("utf-8"))


def trained_weights_file() -> Path:
    """The trained project's weights file (its only run's best epoch)."""
    source = _trained_source()
    return source / trained_project_dict()["runs"][0]["files"]["weights"]


# --------------------------------------------------------------------------------------------- disks (tmpfs)

def mount_tmpfs(where: Path, size: str = "256k") -> str | None:
    """Mounts a small tmpfs at `where` (made if needed); returns None, or why it could not (not root, no Linux, no
    permission in a container)."""
    where.mkdir(parents=True, exist_ok=True)
    if not sys.platform.startswith("linux"):
        return "tmpfs mounts need Linux"
    if shutil.which("mount") is None:
        return "there is no mount command"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return f"cannot mount a tmpfs here ({done.stderr.strip() or 'mount exited ' + str(done.returncode)}); " \
               "run the suite as root on Linux to test full and read-only disks"
    return None


def remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)


def unmount(where: Path) -> None:
    if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill_disk(where: Path) -> None:
    """Writes a file of zeros into `where` until the disk is full."""
    block = bytes(4096)
    with open(where / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(block)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    with open(where / "filler", "ab", buffering=0) as f:    # the last partial block
        try:
            f.write(b"\0" * 512)
        except OSError:
            pass
