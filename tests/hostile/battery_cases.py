"""The hostile-input battery's cases: one line each, a generated bad input for an entry point and what must happen.

Entry points (`ENTRIES`): the import of a CSV file, an image folder, an .npz archive or an IDX file; the command
line's ``--data`` argument; loading a weights file into a network; and the exported predict.py (its ``main``, run in
this process on a small exported table or image model). Outcomes:

  refused(pattern)        a WorkbenchError whose message is one line matching the regular expression
  warned(pattern)         accepted, and a line of the import report matches
  accepted()              accepted (a case that must keep working)
  exits(status, pattern)  predict.py returns that exit status and its stderr matches (no pattern: stderr is empty);
                          never a traceback

Every case also checks that the files it made are unchanged afterwards (hashed before and after). To add a case,
add a line to `CASES`; `count_cases.py` prints the table of cases and outcomes for docs/reliability.md. The project
files, the command line's options and faults have their cases in project_cases.py and command_cases.py.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from hostile_inputs import image_folder, png_bytes, png_header, small_png, tiny_module, write_weights

# ------------------------------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    kind: str               # refused | warned | accepted | exits
    pattern: str | None = ""
    status: int = 0
    check: object = None    # check(result, out) -> bool: what else must hold (see test_battery.py)


def refused(pattern: str) -> Outcome:
    return Outcome("refused", pattern)


def warned(pattern: str) -> Outcome:
    return Outcome("warned", pattern)


def accepted(check=None) -> Outcome:
    return Outcome("accepted", check=check)


def exits(status: int, pattern: str | None = None, check=None) -> Outcome:
    """predict.py's exit status and a pattern its stderr matches (None: stderr must be empty); for a `workbench`
    command, a pattern a line of its output matches (None: any output)."""
    return Outcome("exits", pattern, status, check)


@dataclass(frozen=True)
class Case:
    entry: str              # a key of ENTRIES
    name: str
    make: object            # make(folder) -> the entry's argument, built inside folder
    expect: Outcome
    known_defect: str | None = None     # a defect not fixed yet: the case is expected to fail (strict xfail)


# ------------------------------------------------------------------------------------------------- inputs

def file(name: str, content: bytes | str):
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path
    return make


def fifo(name: str):
    def make(folder: Path) -> Path:
        os.mkfifo(folder / name)
        return folder / name
    return make


def nothing(name: str):
    return lambda folder: folder / name


def subfolder(name: str):
    def make(folder: Path) -> Path:
        (folder / name).mkdir()
        return folder / name
    return make


def device(path: str):
    return lambda folder: Path(path)


ROWS = "".join(f"{i % 7 + 0.5},{['red', 'green', 'blue'][i % 3]},{'ab'[i % 2]}\n" for i in range(40))
TABLE = "size,colour,label\n" + ROWS


def junk_measurements() -> str:
    """80 weights, 10 of them (12 %) the word 'unknown'."""
    cells = ["unknown" if i % 8 == 3 else f"{50 + i * 0.7:.1f}" for i in range(80)]
    return "weight,label\n" + "".join(f"{c},{'ab'[i % 2]}\n" for i, c in enumerate(cells))


def images(classes=("cats", "dogs"), extra=None):
    """An image folder of two classes with four small images each, then ``extra(root)``."""
    def make(folder: Path) -> Path:
        root = image_folder(folder / "pets", classes)
        if extra is not None:
            extra(root)
        return root
    return make


def put(rel: str, content: bytes):
    def extra(root: Path) -> None:
        (root / rel).write_bytes(content)
    return extra


def link(rel: str, target):
    def extra(root: Path) -> None:
        (root / rel).symlink_to(target(root) if callable(target) else target)
    return extra


def loose_images(folder: Path) -> Path:
    root = folder / "flat"
    root.mkdir()
    for i in range(3):
        small_png(root / f"{i}.png", i)
    return root


def only_links(folder: Path) -> Path:
    real = image_folder(folder / "real")
    root = folder / "links"
    root.mkdir()
    for name in ("cats", "dogs"):
        (root / name).symlink_to(real / name)
    return root


def all_broken(folder: Path) -> Path:
    root = image_folder(folder / "pets")
    for path in root.rglob("*.png"):
        path.write_bytes(b"garbage")
    return root


def one_class_readable(folder: Path) -> Path:
    root = image_folder(folder / "pets")
    for path in (root / "dogs").glob("*.png"):
        path.write_bytes(b"garbage")
    return root


def png_cut_short() -> bytes:
    noise = np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)
    buf = io.BytesIO()
    from PIL import Image

    Image.fromarray(noise, "L").save(buf, "PNG")
    return buf.getvalue()[:buf.tell() // 2]


def npz(**arrays):
    def make(folder: Path) -> Path:
        np.savez(folder / "d.npz", **arrays)
        return folder / "d.npz"
    return make


Y = np.arange(40) % 2
X = np.random.default_rng(1).random((40, 3))


def with_value(value, at=(3, 1)):
    x = X.copy()
    x[at] = value
    return x


def npz_declaring(shape: str):
    """An .npz whose x.npy header declares ``shape`` but holds 64 bytes (a damaged or hostile header)."""
    def make(folder: Path) -> Path:
        header = "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }" % shape
        header += " " * (118 - len(header)) + "\n"
        npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + bytes(64)
        buf = io.BytesIO()
        np.save(buf, Y)
        with zipfile.ZipFile(folder / "d.npz", "w") as z:
            z.writestr("x.npy", npy)
            z.writestr("y.npy", buf.getvalue())
        return folder / "d.npz"
    return make


def npz_of_objects(folder: Path) -> Path:
    np.savez(folder / "d.npz", x=np.array([{"a": 1}] * 40, dtype=object), y=Y)
    return folder / "d.npz"


def npz_cut_short(folder: Path) -> Path:
    np.savez(folder / "full.npz", x=X, y=Y)
    data = (folder / "full.npz").read_bytes()
    (folder / "full.npz").unlink()
    (folder / "d.npz").write_bytes(data[:len(data) // 2])
    return folder / "d.npz"


LABELS_IDX = bytes([0, 0, 8, 1]) + (100).to_bytes(4, "big") + bytes(i % 2 for i in range(100))


def idx(header: bytes, body: bytes = b""):
    """An images IDX file with ``header + body`` beside a good labels file of 100 labels."""
    def make(folder: Path) -> Path:
        (folder / "labels-idx1-ubyte").write_bytes(LABELS_IDX)
        return file("images-idx3-ubyte", header + body)(folder)
    return make


def idx_fifo(folder: Path) -> Path:
    (folder / "labels-idx1-ubyte").write_bytes(LABELS_IDX)
    return fifo("images-idx3-ubyte")(folder)


def weights(change):
    """A weights file for the MLP template with ``change(tensors)`` applied (it may return other tensors)."""
    def make(folder: Path) -> Path:
        from workbench.core.training.weights import layer_state

        _, module = tiny_module()
        tensors = layer_state(module)
        tensors = change(tensors) or tensors
        return write_weights(folder / "w.safetensors", tensors)
    return make


def first_weight(tensors: dict) -> str:
    return sorted(k for k in tensors if k.endswith(".weight"))[0]


def set_first(transform):
    def change(tensors):
        key = first_weight(tensors)
        tensors[key] = transform(tensors[key])
    return change


def drop_first(tensors):
    del tensors[first_weight(tensors)]


def add_extra(tensors):
    import torch

    tensors["ghost.weight"] = torch.zeros(2)


def as_dtype(name: str):
    def change(tensors):
        import torch

        return {k: v.to(getattr(torch, name)) if v.is_floating_point() else v for k, v in tensors.items()}
    return change


class _Trap:
    """Unpickling this would create a file named 'unpickled' beside the weights."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def pickled_weights(folder: Path) -> Path:
    path = folder / "w.safetensors"
    path.write_bytes(pickle.dumps(_Trap(str(folder / "unpickled"))))
    return path


def huge_header_length(folder: Path) -> Path:
    path = folder / "w.safetensors"
    path.write_bytes((2**60).to_bytes(8, "little") + b"{}")
    return path


def garbage_header(folder: Path) -> Path:
    body = b"{not json"
    path = folder / "w.safetensors"
    path.write_bytes(len(body).to_bytes(8, "little") + body)
    return path


def weights_cut_short(folder: Path) -> Path:
    path = weights(lambda t: None)(folder)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) - 100])
    return path


# predict.py: the argument list; its first item names the model (TABLE, IMAGE, ARRAY, TOKENS; NONE: the case
# gives --model itself) and the runner adds --model
def rows(*lines: str, flags=(), name="new.csv"):
    def make(folder: Path) -> list:
        (folder / name).write_text("\n".join(lines) + "\n")
        return ["TABLE", str(folder / name), *flags]
    return make


def numbers(model: str, *lines: str):
    """A CSV of plain numbers for an array or token model."""
    def make(folder: Path) -> list:
        (folder / "new.csv").write_text("\n".join(lines) + "\n")
        return [model, str(folder / "new.csv")]
    return make


def predict_args(model: str, make_input, *flags):
    def make(folder: Path) -> list:
        return [model, str(make_input(folder)), *flags]
    return make


def model_file(content: bytes | None):
    def make(folder: Path) -> list:
        (folder / "new.csv").write_text("size,colour\n3.5,red\n")
        model = folder / "model.onnx"
        if content is not None:
            model.write_bytes(content)
        return ["NONE", str(folder / "new.csv"), "--model", str(model)]
    return make


def foreign_model(folder: Path) -> list:
    """A valid ONNX model without Workbench's metadata."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save_model(model, str(folder / "model.onnx"))
    (folder / "new.csv").write_text("size,colour\n3.5,red\n")
    return ["NONE", str(folder / "new.csv"), "--model", str(folder / "model.onnx")]


def image_files(*names_and_bytes):
    def make(folder: Path) -> list:
        args = ["IMAGE"]
        for name, content in names_and_bytes:
            if content is not None:
                (folder / name).write_bytes(content)
            args.append(str(folder / name))
        return args
    return make


def good_png() -> bytes:
    buf = io.BytesIO()
    from PIL import Image

    Image.fromarray(np.full((4, 6), 120, np.uint8), "L").save(buf, "PNG")
    return buf.getvalue()


def image_fifo(folder: Path) -> list:
    os.mkfifo(folder / "stuck.png")
    return ["IMAGE", str(folder / "stuck.png")]


def image_folder_arg(folder: Path) -> list:
    (folder / "dir.png").mkdir()
    return ["IMAGE", str(folder / "dir.png")]


BIG_CELL = "x" * 200_000

CASES = [
    # ------------------------------------------------------------------ CSV files
    Case("csv", "empty file", file("d.csv", ""), refused(r"^The file 'd.csv' is empty\.$")),
    Case("csv", "only blank lines", file("d.csv", "\n \n\n"), refused(r"is empty\.$")),
    Case("csv", "binary bytes", file("d.csv", bytes(range(256)) * 4), refused(r"holds binary data, not text")),
    Case("csv", "UTF-16 text", file("d.csv", TABLE.encode("utf-16")),
         warned(r"^The file is UTF-16 text; it was read as UTF-16\.$")),
    Case("csv", "Excel's Unicode Text (UTF-16, tabs)", file("d.txt", TABLE.replace(",", "\t").encode("utf-16")),
         warned(r"^Column 'colour': 3 categories")),
    Case("csv", "UTF-16 without a byte-order mark", file("d.csv", TABLE.encode("utf-16-be")),
         warned(r"^The file is UTF-16 text")),
    Case("csv", "a UTF-16 mark before binary bytes", file("d.csv", b"\xff\xfe" + bytes(range(256)) * 4),
         refused(r"is not a table")),
    Case("csv", "a header with one empty name (pandas' index)", file("d.csv", ",size,colour,label\n" + "".join(
        f"{i},{row}" for i, row in enumerate(ROWS.splitlines(keepends=True)))),
         warned(r"^Column 1 has no name in the header \(pandas writes its row index so\); it is called 'column 1'")),
    Case("csv", "prose, no delimiter", file("d.csv", "Dear reader,\nthis is a letter of a few lines.\nNo table.\n"),
         refused(r"no delimiter .* splits its lines")),
    Case("csv", "header without rows", file("d.csv", "size,colour,label\n"), refused(r"header row but no data rows")),
    Case("csv", "ragged rows", file("d.csv", TABLE + "1.5\n"), refused(r"row 42 has 1 field, but the header has 3")),
    Case("csv", "unterminated quote", file("d.csv", 'size,colour,label\n"1.5,red,a\n' + ROWS),
         refused(r"not a consistent table")),
    Case("csv", "a 200,000-character cell", file("d.csv", "size,colour,label\n" + BIG_CELL + ",red,a\n" + ROWS),
         refused(r"a cell is longer than 131,072 characters \(often a quote that is never closed\)")),
    Case("csv", "a long cell after the sample", file("d.csv", "size,colour,label\n" + ROWS * 900 + BIG_CELL
                                                     + ",red,a\n"), refused(r"near row \d+: a cell is longer")),
    Case("csv", "a single class", file("d.csv", "a,label\n" + "".join(f"{i},x\n" for i in range(20))),
         refused(r"has a single class \('x'\)")),
    Case("csv", "every target missing", file("d.csv", "a,label\n" + "".join(f"{i % 5},\n" for i in range(20))),
         refused(r"The target column 'label' is empty")),
    Case("csv", "nothing to learn from", file("d.csv", "id,label\n" + "".join(f"{i},{'ab'[i % 2]}\n"
                                                                              for i in range(20))),
         refused(r"no columns left to learn from")),
    Case("csv", "a folder named d.csv", subfolder("d.csv"), refused(r"is a folder, not a table file")),
    Case("csv", "a missing file", nothing("d.csv"), refused(r"does not exist")),
    Case("csv", "a pipe (FIFO)", fifo("d.csv"), refused(r"is not a regular file \(it is a pipe")),
    Case("csv", "/dev/zero", device("/dev/zero"), refused(r"'/dev/zero' is not a regular file")),
    Case("csv", "repeated header names", file("d.csv", "x,x,label\n" + "".join(f"{i % 5},{i % 3},{'ab'[i % 2]}\n"
                                                                                for i in range(30))),
         warned(r"^The header repeats column names \('x' twice\); the repeats are called 'x \(2\)'")),
    Case("csv", "numbers with 12 % junk", file("d.csv", junk_measurements()),
         warned(r"^Column 'weight': numbers, .*10 values that are not numbers \('unknown'; rows 5, 13, 21")),
    Case("csv", "1e308 among numbers", file("d.csv", TABLE + "1e308,red,a\n"),
         warned(r"1 number beyond the 32-bit range \(row 42\) read as missing")),
    Case("csv", "Latin-1 bytes", file("d.csv", TABLE.encode() + b"2.5,caf\xe9,a\n"),
         warned(r"^The file is not UTF-8 text; it was read as Latin-1\.$")),
    Case("csv", "a byte-order mark", file("d.csv", "\ufeff" + TABLE), warned(r"^Column 'size': numbers")),
    Case("csv", "old Mac line ends", file("d.csv", TABLE.replace("\n", "\r")), warned(r"^Column 'colour': 3 ")),
    # ------------------------------------------------------------------ image folders
    Case("images", "a link to the folder itself", images(extra=link("loop", lambda root: root)),
         warned(r"'loop' \(points back into the dataset folder\)")),
    Case("images", "a link out of the folder", images(extra=link("cats/out.png", "/etc/hostname")),
         warned(r"'cats/out.png' \(points outside the dataset folder\)")),
    Case("images", "a dangling link", images(extra=link("dogs/gone.png", "/nonexistent/gone.png")),
         warned(r"'dogs/gone.png' \(points nowhere\)")),
    Case("images", "a class folder named in Latin-1", images(classes=(b"caf\xe9", b"tea")),
         warned(r"^The folder name 'caf\\xe9' is not valid UTF-8 text")),
    Case("images", "a 100-megapixel PNG of a few KB", images(extra=put("cats/big.png", png_bytes(10_000, 10_000))),
         warned(r"cats/big.png \(too large: 100 million pixels\)")),
    Case("images", "a 400-megapixel PNG", images(extra=put("cats/big.png", png_bytes(20_000, 20_000))),
         warned(r"cats/big.png \(too large: 400 million pixels\)")),
    Case("images", "a PNG header claiming 900 megapixels", images(extra=put("cats/big.png", png_header(30_000,
                                                                                                      30_000))),
         warned(r"cats/big.png \(too large: 900 million pixels\)")),
    Case("images", "a pipe named like an image", images(extra=lambda root: os.mkfifo(root / "cats" / "x.png")),
         warned(r"is not a regular file \(a pipe, socket or device\): 'cats/x.png'")),
    Case("images", "a PNG cut short", images(extra=put("dogs/cut.png", png_cut_short())),
         warned(r"dogs/cut.png \(cut short\)")),
    Case("images", "text named .png", images(extra=put("dogs/fake.png", b"hello")),
         warned(r"dogs/fake.png \(not an image\)")),
    Case("images", "an empty .png", images(extra=put("dogs/empty.png", b"")), warned(r"dogs/empty.png \(not an")),
    Case("images", "images but no class folders", loose_images, refused(r"holds images but no sub-folders")),
    Case("images", "an empty folder", subfolder("empty"), refused(r"holds no images")),
    Case("images", "a single class", images(classes=("cats",)), refused(r"holds a single class \('cats'\)")),
    Case("images", "every image broken", all_broken, refused(r"None of the 8 images in 'pets' could be read")),
    Case("images", "one class readable", one_class_readable, refused(r"Only the class 'cats' has readable images")),
    Case("images", "class folders that are links", only_links, refused(r"2 symbolic links skipped")),
    Case("images", "a file, not a folder", file("pets", "x"), refused(r"is a file, not a folder of images")),
    Case("images", "a missing folder", nothing("pets"), refused(r"does not exist")),
    # ------------------------------------------------------------------ .npz archives
    Case("npz", "Python objects (pickle)", npz_of_objects, refused(r"holds Python objects .* never loads")),
    Case("npz", "not an archive", file("d.npz", "hello"), refused(r"is not a NumPy .npz archive")),
    Case("npz", "cut short", npz_cut_short, refused(r"is not a NumPy .npz archive|is damaged")),
    Case("npz", "a header declaring 745 GiB", npz_declaring("(100000000000,)"),
         refused(r"is damaged: its array x declares 745.1 GiB of data but holds \d+ bytes")),
    Case("npz", "no y", npz(x=X), refused(r"needs arrays named x and y; it holds x")),
    Case("npz", "x and y of different lengths", npz(x=X[:30], y=Y), refused(r"x has 30 samples but y has 40")),
    Case("npz", "NaN in x", npz(x=with_value(np.nan), y=Y), refused(r"holds 1 missing or infinite values")),
    Case("npz", "infinity in x", npz(x=with_value(np.inf), y=Y), refused(r"holds 1 missing or infinite values")),
    Case("npz", "1e308 in x", npz(x=with_value(1e308), y=Y), refused(r"too large for the model's 32-bit numbers")),
    Case("npz", "text in x", npz(x=np.array([["a", "b"]] * 40), y=Y), refused(r"must hold numbers, not text")),
    Case("npz", "complex x", npz(x=X + 1j, y=Y), refused(r"must hold numbers, not complex128 values")),
    Case("npz", "no samples", npz(x=np.zeros((0, 3)), y=np.zeros(0)), refused(r"holds no samples")),
    Case("npz", "a pipe (FIFO)", fifo("d.npz"), refused(r"is not a regular file")),
    # ------------------------------------------------------------------ IDX files
    Case("idx", "not IDX", idx(b"hello"), refused(r"is not an IDX file")),
    Case("idx", "cut short", idx(bytes([0, 0, 8, 3]) + (100).to_bytes(4, "big") * 3, bytes(100)),
         refused(r"is cut short: it should hold 1,000,000 bytes")),
    Case("idx", "a broken gzip", idx(b"\x1f\x8b\x08\x00garbage"), refused(r"damaged \(a broken gzip file\)")),
    Case("idx", "a pipe (FIFO)", idx_fifo, refused(r"is not a regular file")),
    # ------------------------------------------------------------------ the command line's --data
    Case("data argument", "a pipe (FIFO)", fifo("d.bin"), refused(r"Cannot tell what kind of data 'd.bin' holds")),
    Case("data argument", "a missing path", nothing("d.csv"), refused(r"neither a built-in dataset")),
    Case("data argument", "a single image", file("x.png", good_png()), refused(r"is a single image")),
    # ------------------------------------------------------------------ weights files
    Case("weights", "bool tensor", weights(set_first(lambda t: t > 0)),
         refused(r"cannot be used: the tensor '[\w.]+' holds bool values, not floating-point numbers")),
    Case("weights", "int8 tensor", weights(set_first(lambda t: (t * 100).to(__import__("torch").int8))),
         refused(r"holds int8 values")),
    Case("weights", "NaN values", weights(set_first(lambda t: t * float("nan"))),
         refused(r"holds \d+ NaN values\. NaN or infinite weights make every output NaN")),
    Case("weights", "infinite values", weights(set_first(lambda t: t + float("inf"))), refused(r"\d+ infinite val")),
    Case("weights", "a tensor missing", weights(drop_first), refused(r"do not fit this network: it lacks")),
    Case("weights", "a tensor too many", weights(add_extra), refused(r"it has ghost.weight, which this network")),
    Case("weights", "a wrong shape", weights(set_first(lambda t: t[:1])), refused(r"has shape \(1, \d+\) instead")),
    Case("weights", "half precision", weights(as_dtype("float16")), accepted()),
    Case("weights", "double precision", weights(as_dtype("float64")), accepted()),
    Case("weights", "a pickle, never unpickled", pickled_weights, refused(r"is not a readable weights file")),
    Case("weights", "a header length of 2**60", huge_header_length, refused(r"is not a readable weights file")),
    Case("weights", "a header that is not JSON", garbage_header, refused(r"is not a readable weights file")),
    Case("weights", "cut short", weights_cut_short, refused(r"is not a readable weights file")),
    Case("weights", "an empty file", file("w.safetensors", ""), refused(r"is not a readable weights file")),
    Case("weights", "a folder", subfolder("w.safetensors"), refused(r"is a folder, not a weights file")),
    Case("weights", "a pipe (FIFO)", fifo("w.safetensors"), refused(r"is not a regular file")),
    Case("weights", "a missing file", nothing("w.safetensors"), refused(r"does not exist \(was it moved")),
    # ------------------------------------------------------------------ predict.py on a table model
    Case("predict", "text in a number column", rows("size,colour", "3.5,red", "abc,red"),
         exits(3, r"new.csv row 3, column 'size': 'abc' is not a number\.\nerror: stopped at .*new.csv row 3")),
    Case("predict", "a category never seen", rows("size,colour", "3.5,purple"),
         exits(3, r"'purple' is not one of the categories the model was trained on \(blue, green, red\)")),
    Case("predict", "infinity", rows("size,colour", "-inf,red"), exits(3, r"'-inf' is not a finite number")),
    Case("predict", "1e308", rows("size,colour", "1e308,red"), exits(3, r"'1e308' is far outside the values")),
    Case("predict", "a row a value short", rows("size,colour", "3.5"),
         exits(3, r"row 2: 1 values, but 2 columns are expected")),
    Case("predict", "bad rows skipped as asked", rows("size,colour", "abc,red", "3.5,red", flags=["--bad-values",
                                                                                                "skip"]),
         exits(0, r"row 2: skipped\.")),
    Case("predict", "missing cells filled", rows("size,colour", ",", "n/a,?"), exits(0)),
    Case("predict", "a column missing", rows("colour", "red"), exits(2, r"the column size is missing")),
    Case("predict", "repeated header names", rows("size,size,colour", "1,2,red"), exits(0)),
    Case("predict", "an empty file", rows(""), exits(2, r"the file holds no rows")),
    Case("predict", "Latin-1 bytes", predict_args("TABLE", file("new.csv", b"size,colour\n3.5,caf\xe9\n")),
         exits(2, r"new.csv: the file is not UTF-8 text, as the training data was; save it as UTF-8\.")),
    Case("predict", "a 200,000-character cell", rows("size,colour", "3.5," + BIG_CELL),
         exits(2, r"not a readable CSV row \(field larger than field limit")),
    Case("predict", "a pipe (FIFO)", predict_args("TABLE", fifo("new.csv")), exits(2, r"not a regular file")),
    Case("predict", "/dev/zero", predict_args("TABLE", device("/dev/zero")), exits(2, r"not a regular file")),
    Case("predict", "a folder", predict_args("TABLE", subfolder("new.csv")), exits(2, r"a folder, not a CSV file")),
    Case("predict", "a missing file", predict_args("TABLE", nothing("new.csv")), exits(2, r"new.csv: no such file")),
    Case("predict", "no model file", model_file(None), exits(2, r"model.onnx: no such model file")),
    Case("predict", "a model file of garbage", model_file(b"garbage"),
         exits(2, r"not a model ONNX Runtime can load")),
    Case("predict", "a model not from Workbench", foreign_model, exits(2, r"was not exported by Workbench")),
    Case("predict", "--batch 0", rows("size,colour", "3.5,red", flags=["--batch", "0"]),
         exits(2, r"--batch and --top must be at least 1")),
    # ------------------------------------------------------------------ predict.py on array and token models
    Case("predict", "array: a header line and good rows", numbers("ARRAY", "a,b,c", "0.1,0.5,0.9", "1,0,0.3"),
         exits(0)),
    Case("predict", "array: text in a row", numbers("ARRAY", "0.1,0.2,0.3", "0.1,abc,0.9"),
         exits(3, r"new.csv row 2: 'abc' is not a number\.")),
    Case("predict", "array: infinity", numbers("ARRAY", "0.1,0.2,inf"), exits(3, r"'inf' is not a finite number")),
    Case("predict", "array: 1e30", numbers("ARRAY", "0.1,1e30,0.2"),
         exits(3, r"value 2 \(1e\+30\) is far outside the values the model was trained on")),
    Case("predict", "array: 1e39, beyond 32 bits", numbers("ARRAY", "1e39,0,0"),
         exits(3, r"a value is too large for the model's 32-bit input")),
    Case("predict", "array: a value too many", numbers("ARRAY", "1,2,3,4"),
         exits(3, r"4 values, but the model takes 3")),
    Case("predict", "tokens: an id beyond the vocabulary", numbers("TOKENS", "1,2,3,12"),
         exits(3, r"token ids must be whole numbers from 0 to 9")),
    Case("predict", "tokens: a fractional id", numbers("TOKENS", "1,2.5,3,4"), exits(3, r"token ids must be whole")),
    Case("predict", "tokens: good ids", numbers("TOKENS", "1,2,3,4", "0,0,9,9"), exits(0)),
    # ------------------------------------------------------------------ predict.py on an image model
    Case("predict", "a 400-megapixel PNG", image_files(("big.png", png_bytes(20_000, 20_000))),
         exits(2, r"big.png: too large to read \(400 million pixels; the limit is 89.5 million\)")),
    Case("predict", "a 100-megapixel PNG", image_files(("big.png", png_bytes(10_000, 10_000))),
         exits(2, r"too large to read \(100 million pixels")),
    Case("predict", "text named .png", image_files(("fake.png", b"hello")),
         exits(2, r"fake.png: not an image file Pillow can read")),
    Case("predict", "a PNG cut short", image_files(("cut.png", png_cut_short())),
         exits(2, r"cut.png: damaged or cut short")),
    Case("predict", "a pipe named like an image", image_fifo, exits(2, r"stuck.png: not a regular file")),
    Case("predict", "a folder named like an image", image_folder_arg, exits(2, r"a folder, not an image file")),
    Case("predict", "not an image by its name", image_files(("notes.txt", b"hi")), exits(2, r"not an image file")),
    Case("predict", "a missing image", image_files(("gone.png", None)), exits(2, r"gone.png: no such file")),
    Case("predict", "one bad image among good ones", image_files(("a.png", good_png()), ("bad.png", b"x"),
                                                                 ("b.png", good_png())),
         exits(2, r"^error: .*bad.png: not an image file Pillow can read\.$")),
]


# ------------------------------------------------------------------------------------------------- memory

@dataclass(frozen=True)
class MemoryCase:
    """The entry run in its own process on a plain input and on a hostile one: the hostile one may take at most
    ``limit_mib`` more peak memory (resident set, Linux)."""

    entry: str              # predict | csv | images | npz
    name: str
    plain: object           # make(folder) -> the input
    hostile: object
    limit_mib: int


def long_table_csv(rows: int):
    """A CSV for the table model with a long ignored note column: 100,000 rows are 20 MB."""
    def make(folder: Path) -> Path:
        note = "x" * 180
        colours = ["red", "green", "blue"]
        path = folder / f"rows{rows}.csv"
        with open(path, "w") as f:
            f.write("size,colour,label,note\n")
            for start in range(0, rows, 10_000):
                f.write("".join(f"{i % 7 + 0.5},{colours[i % 3]},{'ab'[i % 2]},{note}\n"
                                for i in range(start, min(rows, start + 10_000))))
        return path
    return make


MEMORY_CASES = [
    MemoryCase("predict", "a 20 MB CSV is streamed, not read whole", long_table_csv(100), long_table_csv(100_000),
               16),
    MemoryCase("images", "a 100-megapixel PNG is refused, not decoded", images(),
               images(extra=put("dogs/big.png", png_bytes(10_000, 10_000))), 30),
    MemoryCase("npz", "a header declaring 745 GiB allocates nothing", npz(x=X, y=Y),
               npz_declaring("(100000000000,)"), 30),
]
