"""Image folders: classes from sub-folders, size and color detection, every Pillow mode, corrupt files skipped and
listed, progress and cancel, and the round trip from Pillow images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from workbench.core.data import DatasetSpec, apply_preprocessing, load_dataset, preview
from workbench.core.errors import CancelledError, DataError

SPLIT = {"train": 0.5, "val": 0.25, "test": 0.25, "seed": 0, "stratify": True}


def gray(value: int, size=(6, 4)) -> Image.Image:
    """A width x height grayscale image with a gradient, so resizing and conversion are visible."""
    w, h = size
    arr = (np.arange(w * h).reshape(h, w) * 3 + value) % 256
    return Image.fromarray(arr.astype(np.uint8), "L")


def make_folder(root, classes=("cats", "dogs"), per_class=4, size=(6, 4), ext="png", colour=False):
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            img = gray(k * 50 + i * 10, size)
            if colour:
                r = np.asarray(img)
                img = Image.fromarray(np.stack([r, 255 - r, r // 2], -1).astype(np.uint8), "RGB")
            img.save(root / name / f"{i}.{ext}")
    return root


def load(root, split=SPLIT, **options):
    return load_dataset(DatasetSpec(source="images", path=str(root), options=options, split=dict(split)))


def test_grayscale_folder(tmp_path):
    root = make_folder(tmp_path / "pets")
    ds = load(root)
    assert (ds.name, ds.task, ds.class_names, ds.input_shape) == ("pets", "classification", ["cats", "dogs"],
                                                                  (1, 4, 6))
    assert ds.x.dtype == np.uint8 and ds.x.shape == (8, 1, 4, 6)
    assert np.array_equal(ds.y, [0, 0, 0, 0, 1, 1, 1, 1])
    assert np.array_equal(ds.x[5, 0], np.asarray(gray(60)))
    assert ds.report == ["Images kept at their usual size, 6x4 pixels.",
                         "Color: grayscale (1 channel), detected from the images."]
    assert ds.description == "8 images in 2 classes (cats 4, dogs 4)."
    pre = ds.preprocessing
    assert {k: pre[k] for k in ("kind", "size", "channels", "color_mode", "raw_max", "layout")} == {
        "kind": "image", "size": [4, 6], "channels": 1, "color_mode": "grayscale", "raw_max": 255, "layout": "NCHW"}
    x, y = ds.tensors("train")
    assert x.dtype == torch.float32 and x.shape == (4, 1, 4, 6) and y.tolist() == [0, 0, 1, 1]
    assert torch.equal(x, torch.from_numpy(ds.x[ds.splits["train"]].astype(np.float32) / 255))


def test_rgb_is_detected_and_resized_on_request(tmp_path):
    root = make_folder(tmp_path / "p", colour=True, ext="bmp")
    ds = load(root, image_size=[3, 5])
    assert ds.input_shape == (3, 3, 5) and ds.preprocessing["color_mode"] == "rgb"
    assert ds.report[:2] == ["Images resized to 5x3 pixels (width x height), as chosen.",
                             "Color: RGB (3 channels), detected from the images."]
    assert "8 images were resized." in ds.report
    forced = load(root, color_mode="grayscale", image_size=4)
    assert forced.input_shape == (1, 4, 4)


def test_round_trip_from_pillow_images(tmp_path):
    root = make_folder(tmp_path / "p", colour=True, ext="webp", size=(9, 7))
    ds = load(root, image_size=[5, 4])
    files = sorted((root / "cats").glob("*.webp")) + sorted((root / "dogs").glob("*.webp"))
    images = [Image.open(f) for f in files]
    expected, _ = ds.batch(np.arange(8))
    assert np.array_equal(apply_preprocessing(ds.preprocessing, images), expected.numpy())
    single = apply_preprocessing(ds.preprocessing, Image.open(files[0]))
    assert single.shape == (1, 3, 5, 4) and np.array_equal(single[0], expected[0].numpy())
    arr = apply_preprocessing(ds.preprocessing, ds.x[:2].transpose(0, 2, 3, 1))     # NHWC uint8 at size
    assert np.array_equal(arr, expected[:2].numpy())
    with pytest.raises(DataError, match=r"^Images must be 4x5 pixels with 3 channels \(got an array of shape "
                                        r"\[2, 3, 3\]\); pass Pillow images to have them resized\.$"):
        apply_preprocessing(ds.preprocessing, np.zeros((2, 3, 3), np.uint8))


def test_large_images_get_an_automatic_size(tmp_path):
    root = make_folder(tmp_path / "p", size=(200, 100), per_class=2, ext="jpg")
    ds = load(root, split={"train": 0.5, "val": 0.0, "test": 0.5, "seed": 0, "stratify": True})
    assert ds.input_shape == (1, 32, 64)
    assert ds.report[0] == ("Images resized to 64x32 pixels (their usual size 200x100, made to fit 64 pixels; "
                            "choose another image size to change it).")


def test_mixed_sizes_and_modes_are_converted(tmp_path):
    root = tmp_path / "mixed"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    base = np.asarray(gray(0, (8, 8)))
    Image.fromarray(base, "L").save(root / "a" / "gray.png")
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 0                                   # fully transparent: becomes the white background
    Image.fromarray(rgba, "RGBA").save(root / "a" / "clear.png")
    pal = Image.fromarray(base, "L").convert("P")
    pal.save(root / "a" / "palette.gif")
    deep = (base.astype(np.uint16) * 257)              # 16-bit grayscale, same picture
    Image.fromarray(deep).save(root / "b" / "deep.png")
    assert Image.open(root / "b" / "deep.png").mode.startswith("I")
    Image.fromarray(base, "L").resize((16, 12)).save(root / "b" / "big.png")
    Image.fromarray(base, "L").convert("1").save(root / "b" / "bits.bmp")
    ds = load(root, color_mode="grayscale", split={"train": 0.5, "val": 0.0, "test": 0.5, "seed": 0,
                                                     "stratify": True})
    assert ds.x.shape == (6, 1, 8, 8)
    names = ["clear.png", "gray.png", "palette.gif", "big.png", "bits.bmp", "deep.png"]
    by_name = dict(zip(names, ds.x[:, 0]))
    assert np.all(by_name["clear.png"] == 255)
    assert np.array_equal(by_name["gray.png"], base)
    assert np.array_equal(by_name["palette.gif"], np.asarray(Image.fromarray(base, "L").convert("P").convert("L")))
    assert np.array_equal(by_name["deep.png"], base)
    assert set(np.unique(by_name["bits.bmp"])) <= {0, 255}
    assert "1 image was resized." in ds.report
    assert "1 image with transparency laid on a white background." in ds.report
    assert "1 palette image converted to full color." in ds.report
    assert "1 image with 16 or 32 bits per pixel scaled to 8 bits." in ds.report


def test_corrupt_files_are_skipped_and_listed(tmp_path):
    root = make_folder(tmp_path / "p", per_class=3)
    (root / "cats" / "deeper").mkdir()
    (root / "cats" / "deeper" / "broken.png").write_bytes(b"not an image at all")
    noise = np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)
    Image.fromarray(noise, "L").save(tmp_path / "noise.png")
    data = (tmp_path / "noise.png").read_bytes()
    (root / "dogs" / "cut.png").write_bytes(data[: len(data) // 2])
    (root / "dogs" / "notes.txt").write_text("hello")
    (root / "stray.png").write_bytes(data)
    (root / ".hidden").mkdir()
    ds = load(root, split={"train": 0.5, "val": 0.0, "test": 0.5, "seed": 0, "stratify": True})
    assert ds.num_samples == 6 and ds.skipped == ["cats/deeper/broken.png", "dogs/cut.png"]
    assert "Skipped 2 unreadable files: cats/deeper/broken.png (not an image); dogs/cut.png (cut short)." \
        in ds.report
    assert "Left out 1 image lying directly in 'p', outside the class folders." in ds.report
    assert "Ignored 1 file that is not an image by their name (e.g. 'dogs/notes.txt')." in ds.report
    assert np.array_equal(ds.y, [0, 0, 0, 1, 1, 1])


def test_empty_class_folder_is_left_out(tmp_path):
    root = make_folder(tmp_path / "p", classes=("a", "b", "c"))
    for f in (root / "c").iterdir():
        f.unlink()
    ds = load(root)
    assert ds.class_names == ["a", "b"]
    assert "Folder 'c' holds no images and was left out." in ds.report


def test_class_with_only_corrupt_files_is_left_out(tmp_path):
    root = make_folder(tmp_path / "p", classes=("a", "b", "c"))
    for f in (root / "b").iterdir():
        f.write_bytes(b"garbage")
    ds = load(root)
    assert ds.class_names == ["a", "c"] and set(ds.y.tolist()) == {0, 1}
    assert "Folder 'b' has no readable images and was left out." in ds.report


def test_progress_is_throttled_and_cancel_stops(tmp_path, monkeypatch):
    from workbench.core.data import progress

    root = make_folder(tmp_path / "p", per_class=30)
    calls = []
    load_dataset(DatasetSpec(source="images", path=str(root)), progress=lambda f, m: calls.append((f, m)))
    assert calls[0] == (0.0, "Listing p") and calls[-1] == (1.0, "Loaded 60 samples.")
    assert len(calls) < 10                               # at most one call per 50 ms, plus first and last
    monkeypatch.setattr(progress, "INTERVAL_S", 0.0)      # poll at every image
    calls.clear()
    polls = []

    def cancel_midway():
        polls.append(1)
        return len(polls) > 20

    with pytest.raises(CancelledError, match="^The import was cancelled.$"):
        load_dataset(DatasetSpec(source="images", path=str(root)), progress=lambda f, m: calls.append((f, m)),
                     should_cancel=cancel_midway)
    assert calls[-1][1].startswith("Reading images: ") and 0.05 < calls[-1][0] < 1.0


def test_preview_of_images(tmp_path):
    root = make_folder(tmp_path / "p", colour=True, per_class=6)
    ds = load(root)
    pv = preview(ds, "train", n=4)
    assert pv["kind"] == "image" and pv["images"].shape == (4, 4, 6, 3) and pv["images"].dtype == np.uint8
    assert pv["labels"] == ["cats", "dogs", "cats", "dogs"]
    assert np.array_equal(pv["images"][0], ds.x[pv["indices"][0]].transpose(1, 2, 0))
    assert [s["name"] for s in pv["stats"]] == ["red", "green", "blue"]
    red = ds.x[ds.splits["train"], 0].astype(np.float64) / 255
    assert pv["stats"][0]["mean"] == pytest.approx(red.mean()) and pv["stats"][0]["std"] == pytest.approx(red.std())
    assert pv["class_counts"] == {"names": ["cats", "dogs"], "train": [3, 3], "val": [2, 1], "test": [1, 2]}
    assert pv["sizes"] == {"train": 6, "val": 3, "test": 3, "total": 12}


def test_ignored_files_are_counted_in_agreement(tmp_path):
    root = tmp_path / "p"
    for name in ("cats", "dogs"):
        (root / name).mkdir(parents=True)
        for i in range(3):
            Image.new("L", (8, 8), 40 * i).save(root / name / f"{i}.png")
    (root / "dogs" / "notes.txt").write_text("hello")
    (root / "cats" / "list.csv").write_text("a,b")
    ds = load(root, split={"train": 0.5, "val": 0.0, "test": 0.5, "seed": 0, "stratify": True})
    assert any(line.startswith("Ignored 2 files that are not images by their name") for line in ds.report)


def test_each_sample_knows_its_file(tmp_path):
    root = make_folder(tmp_path / "pets")
    (root / "dogs" / "broken.png").write_bytes(b"not an image")
    ds = load(root)
    assert len(ds.sample_files) == ds.num_samples == 8
    for path, label in zip(ds.sample_files, ds.y):
        assert Path(path).is_file() and Path(path).parent.name == ds.class_names[label]
    assert not any(path.endswith("broken.png") for path in ds.sample_files)
