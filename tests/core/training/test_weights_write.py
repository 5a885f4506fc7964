"""`save_weights`: every failure to write is a `WeightsError` in plain words, and leaves no partial file and the
old file as it was."""

import errno
import os

import pytest
import safetensors.torch
import torch
from safetensors import SafetensorError

from workbench.core.training.weights import WeightsError, WeightsWriteError, read_weights, save_weights

TENSORS = {"dense1.weight": torch.arange(6.0).reshape(2, 3)}


def test_a_file_where_the_folder_should_be(tmp_path):
    (tmp_path / "runs").write_text("in the way")
    for target in (tmp_path / "runs" / "w.safetensors", tmp_path / "runs" / "deeper" / "w.safetensors"):
        with pytest.raises(WeightsError) as info:
            save_weights(TENSORS, target)
        assert str(info.value) == (f"Could not write the weights file '{target}': '{tmp_path / 'runs'}' is a file, "
                                   "not a folder.")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]


@pytest.mark.parametrize("failure, reason", [
    (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), "No space left on device"),
    (OSError(errno.EROFS, os.strerror(errno.EROFS)), "Read-only file system"),
    (SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)"),
     "No space left on device"),
    (SafetensorError("Error while serializing: something else"), "Error while serializing: something else"),
])
def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_else(tmp_path, monkeypatch, failure, reason):
    path = save_weights(TENSORS, tmp_path / "last.safetensors")
    before = path.read_bytes()

    def save_file(tensors, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"half a file")
        raise failure

    monkeypatch.setattr(safetensors.torch, "save_file", save_file)
    with pytest.raises(WeightsWriteError) as info:
        save_weights({"dense1.weight": torch.zeros(2, 3)}, path)
    assert info.value.reason == reason and info.value.path == path
    assert str(info.value) == f"Could not write the weights file '{path}': {reason}."
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["last.safetensors"]
    assert torch.equal(read_weights(path)[0]["dense1.weight"], TENSORS["dense1.weight"])
