"""Image folders that try to fool the importer: symbolic links back into the folder or out of it, class folders
whose names are not UTF-8, and images whose pixels would take gigabytes (decompression bombs)."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hostile_inputs import image_folder, png_bytes, small_png, tree_digest

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data.images import MAX_IMAGE_PIXELS, ImageTooLargeError, open_image
from workbench.core.errors import DataError

SPLIT = {"train": 0.5, "val": 0.25, "test": 0.25, "seed": 0, "stratify": True}


def load(root, **options):
    return load_dataset(DatasetSpec(source="images", path=str(root), options=options, split=dict(SPLIT)))


def test_links_are_not_followed_out_of_or_back_into_the_folder(tmp_path):
    root = image_folder(tmp_path / "pets")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    small_png(outside / "x.png", 9)
    (root / "loop").symlink_to(root)                               # the folder itself: a fake class of every image
    (root / "birds").symlink_to(outside)                           # a class folder elsewhere
    (root / "cats" / "up").symlink_to("..")                        # back up into the dataset
    (root / "dogs" / "x.png").symlink_to(outside / "x.png")         # an image elsewhere
    (root / "dogs" / "twin.png").symlink_to(root / "cats" / "0.png")  # the same image in another class
    (root / "dogs" / "dangling.png").symlink_to(tmp_path / "gone.png")
    before = tree_digest(tmp_path)
    ds = load(root)
    assert ds.class_names == ["cats", "dogs"] and ds.num_samples == 8
    assert np.bincount(ds.y).tolist() == [4, 4]
    assert ("Skipped 6 symbolic links, which Workbench does not follow: 'birds' (points outside the dataset "
            "folder); 'loop' (points back into the dataset folder); 'cats/up' (points back into the dataset "
            "folder); 'dogs/dangling.png' (points nowhere); 'dogs/twin.png' (points back into the dataset folder); "
            "'dogs/x.png' (points outside the dataset folder). Copy the files into the folder to use them."
            ) in ds.report
    assert tree_digest(tmp_path) == before


def test_a_folder_of_links_only_says_why_it_found_no_images(tmp_path):
    outside = image_folder(tmp_path / "real")
    root = tmp_path / "links"
    root.mkdir()
    for name in ("cats", "dogs"):
        (root / name).symlink_to(outside / name)
    with pytest.raises(DataError) as caught:
        load(root)
    assert str(caught.value) == ("The folder 'links' holds no images (png, jpg, bmp, gif or webp) in its "
                                 "sub-folders (2 symbolic links skipped: Workbench does not follow links, so copy "
                                 "the files into the folder).")


def test_a_pipe_named_like_an_image_is_skipped_not_opened(tmp_path):
    root = image_folder(tmp_path / "pets")
    os.mkfifo(root / "cats" / "stuck.png")       # opening it would wait forever for a writer
    ds = load(root)
    assert ds.num_samples == 8
    assert ("Skipped 1 entry named like images that is not a regular file (a pipe, socket or device): "
            "'cats/stuck.png'.") in ds.report


def _bind_mount(source, target) -> bool:
    done = subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True)
    return done.returncode == 0


def test_a_folder_reached_twice_is_a_loop_and_skipped(tmp_path):
    root = image_folder(tmp_path / "pets")
    (root / "cats" / "again").mkdir()
    if not sys.platform.startswith("linux") or not _bind_mount(root, root / "cats" / "again"):
        pytest.skip("bind mounts are not allowed here (needs root on Linux)")
    try:
        ds = load(root)
    finally:
        subprocess.run(["umount", str(root / "cats" / "again")], check=True)
    assert ds.class_names == ["cats", "dogs"] and ds.num_samples == 8
    assert "Skipped 1 folder reached a second time (a loop): 'cats/again'." in ds.report


NOT_UTF8 = b"caf\xe9"


def test_a_class_folder_named_in_latin_1_gets_a_printable_class_name(tmp_path):
    root = image_folder(tmp_path / "drinks", classes=(NOT_UTF8, b"tea"))
    ds = load(root)
    assert ds.class_names == ["caf\\xe9", "tea"]
    for name in ds.class_names + ds.report + [ds.description]:
        name.encode("utf-8")
    assert ("The folder name 'caf\\xe9' is not valid UTF-8 text, so its class is called 'caf\\xe9' (each "
            "unreadable byte written as a \\x code); rename the folder to give the class a readable name."
            ) in ds.report
    assert ds.num_samples == 8            # the files are still read under their real names


def test_two_folder_names_that_print_alike_stay_two_classes(tmp_path):
    root = image_folder(tmp_path / "d", classes=(NOT_UTF8, b"caf\\xe9"))
    assert load(root).class_names == ["caf\\xe9", "caf\\xe9 (2)"]


def test_a_model_trained_on_a_latin_1_class_folder_exports(tmp_path):
    from workbench.core.data_fit import fit_graph_to_dataset
    from workbench.core.project import open_template, save_project
    from workbench.core.project.actions import export_project, train_project
    from workbench.core.training.settings import TrainingSettings

    root = image_folder(tmp_path / "drinks", classes=(NOT_UTF8, b"tea"), per_class=6)
    project = open_template("cnn")
    project.dataset = DatasetSpec(source="images", path=str(root), options={"image_size": [8, 8]})
    dataset = load_dataset(project.dataset)
    fit_graph_to_dataset(project.graph, dataset)
    save_project(project, tmp_path / "p.json")
    outcome = train_project(project, tmp_path, dataset=dataset, settings=TrainingSettings(epochs=1, device="cpu"),
                            num_threads=1)
    outcome.add_to(project)
    result = export_project(project, tmp_path / "out")
    assert (result.folder / "labels.txt").read_text(encoding="utf-8") == "caf\\xe9\ntea\n"
    assert "caf\\xe9" in (result.folder / "model_card.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------ decompression bombs

@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    """PNGs of 100 and 400 million pixels, a few kilobytes each: Pillow warns about the first, refuses the second."""
    folder = tmp_path_factory.mktemp("bombs")
    (folder / "100mp.png").write_bytes(png_bytes(10_000, 10_000))
    (folder / "400mp.png").write_bytes(png_bytes(20_000, 20_000))
    return folder


@pytest.mark.parametrize("name, pixels", [("100mp.png", "100"), ("400mp.png", "400")])
def test_open_image_refuses_a_bomb_before_decoding_it(bombs, name, pixels):
    assert (bombs / name).stat().st_size < 200_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # Pillow's raw warning must not reach the user
        with pytest.raises(ImageTooLargeError) as caught:
            open_image(bombs / name)
    assert str(caught.value) == (f"The image '{name}' is too large to read ({pixels} million pixels; the limit is "
                                 f"{MAX_IMAGE_PIXELS / 1e6:.1f} million, to keep memory bounded). Scale it down, or "
                                 "check that it is the image you meant.")


def test_the_import_skips_bombs_and_names_them(tmp_path, bombs):
    root = image_folder(tmp_path / "pets")
    for name in ("100mp.png", "400mp.png"):
        (root / "cats" / name).write_bytes((bombs / name).read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = load(root)
    assert ds.num_samples == 8 and ds.skipped == ["cats/100mp.png", "cats/400mp.png"]
    assert ("Skipped 2 unreadable files: cats/100mp.png (too large: 100 million pixels); cats/400mp.png (too "
            "large: 400 million pixels).") in ds.report
