"""`Checkpointing`: checkpoints at the interval, at the end and on a stop; a checkpoint that cannot be written
leaves the run going in memory, says why once, and lists only what was written."""

import errno
import os
import subprocess

import pytest
import safetensors.torch
import torch

from workbench.core.training import Callback, RunControl, RunStatus, Trainer, TrainingSettings
from workbench.core.training.checkpoints import load_state
from workbench.core.training.weights import read_weights

FAST = TrainingSettings(epochs=4, batch_size=32, early_stopping=False)
FILES = ("best.safetensors", "last.safetensors", "last_state.safetensors")


class FilesAtEpochEnd(Callback):
    """The checkpoint files there are when each epoch's results reach the caller (after the checkpoint)."""

    def __init__(self, folder):
        self.folder = folder
        self.files = []
        self.epochs_saved = []

    def on_epoch_end(self, trainer, info):
        self.files.append(sorted(p.name for p in self.folder.iterdir()) if self.folder.is_dir() else [])
        state = self.folder / "last_state.safetensors"
        self.epochs_saved.append(load_state(state).epochs_done if state.is_file() else None)


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_written_every_interval_and_at_the_last_epoch(moons, new_module, tmp_path):
    graph, dataset = moons
    every = FilesAtEpochEnd(tmp_path / "every")
    Trainer(new_module(), dataset, FAST, [every], graph=graph, checkpoint_dir=every.folder,
            checkpoint_interval_s=0).fit()
    assert every.epochs_saved == [1, 2, 3, 4]
    assert every.files == [sorted(FILES)] * 4
    rarely = FilesAtEpochEnd(tmp_path / "rarely")
    result = Trainer(new_module(), dataset, FAST, [rarely], graph=graph, checkpoint_dir=rarely.folder,
                     checkpoint_interval_s=3600).fit()
    assert rarely.epochs_saved == [None, None, None, 4]  # only the last epoch, forced
    assert result.checkpoints == {"best": rarely.folder / FILES[0], "last": rarely.folder / FILES[1],
                                  "state": rarely.folder / FILES[2]}
    assert result.checkpoint_error is None


def test_a_stop_during_an_epoch_saves_the_weights_it_stopped_with(moons, new_module, weights_of, tmp_path):
    graph, dataset = moons
    control = RunControl()
    at_stop = {}

    class StopInEpochTwo(Callback):
        def on_progress(self, trainer, info):
            if info.epoch == 1 and info.batch >= 2 and not at_stop:
                at_stop.update(weights_of(trainer.module))
                control.stop()

    module = new_module()
    result = Trainer(module, dataset, FAST, [StopInEpochTwo()], graph=graph, control=control,
                     checkpoint_dir=tmp_path, checkpoint_interval_s=3600, report_interval_s=0).fit()
    assert result.status is RunStatus.STOPPED
    assert result.message == "Stopped by you during epoch 2. Kept the weights of the best epoch (1)."
    assert set(result.checkpoints) == {"best", "last", "state"}
    assert same(read_weights(tmp_path / "last.safetensors")[0], at_stop)
    assert same(read_weights(tmp_path / "best.safetensors")[0], weights_of(module))  # the module ends with the best
    assert not same(weights_of(module), at_stop)
    state = load_state(tmp_path / "last_state.safetensors")
    assert state.epochs_done == 1 and len(state.batch_losses) == len(result.batch_losses)


def test_a_folder_that_cannot_be_made_keeps_the_run_in_memory(moons, new_module, weights_of, tmp_path):
    graph, dataset = moons
    blocker = tmp_path / "runs"
    blocker.write_text("a file where the run folder should be")
    seen = {}

    class Keep(Callback):
        def on_epoch_end(self, trainer, info):
            seen[info.epoch] = weights_of(trainer.module)

    module = new_module()
    result = Trainer(module, dataset, FAST, [Keep()], graph=graph, checkpoint_dir=blocker / "run-1",
                     checkpoint_interval_s=0).fit()
    assert result.status is RunStatus.COMPLETED and result.ok and result.epochs_done == 4
    assert result.checkpoints == {}
    assert result.checkpoint_error == (
        f"Could not save the run's checkpoints in '{blocker / 'run-1'}': '{blocker}' is a file, not a folder. "
        "Training went on in memory; save the project in another folder to keep its weights.")
    assert result.message.endswith(result.checkpoint_error)
    assert same(weights_of(module), seen[result.best_epoch])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]


def failing_writes(monkeypatch, fail_calls):
    """Makes the safetensors writes numbered in `fail_calls` (1-based) fail as on a full disk."""
    calls = {"n": 0}
    real = safetensors.torch.save_file

    def save_file(tensors, filename, metadata=None):
        calls["n"] += 1
        if calls["n"] in fail_calls:
            with open(filename, "wb") as f:
                f.write(b"partial")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(tensors, filename, metadata=metadata)

    monkeypatch.setattr(safetensors.torch, "save_file", save_file)
    return calls


def test_a_full_disk_is_reported_once_and_only_written_files_are_listed(moons, new_module, weights_of, tmp_path,
                                                                          monkeypatch):
    graph, dataset = moons
    calls = failing_writes(monkeypatch, fail_calls=range(1, 10_000))
    saw = FilesAtEpochEnd(tmp_path)
    module = new_module()
    result = Trainer(module, dataset, FAST.replaced(restore_best=False), [saw], graph=graph,
                     checkpoint_dir=tmp_path, checkpoint_interval_s=0).fit()
    assert result.status is RunStatus.COMPLETED and result.epochs_done == 4
    # the first write fails, so the interval writes stop; the last epoch tries once more
    assert calls["n"] == 6
    assert result.checkpoints == {} and saw.files == [[]] * 4  # no partial or temporary file is left
    assert result.checkpoint_error == (
        f"Could not save the run's checkpoints in '{tmp_path}': No space left on device. Training went on in "
        "memory; save the project in another folder to keep its weights.")
    assert result.message == "Finished all 4 epochs. " + result.checkpoint_error
    assert module.layers["dense1"].weight.abs().sum() > 0


def test_a_disk_that_frees_up_gets_the_final_checkpoints(moons, new_module, tmp_path, monkeypatch):
    graph, dataset = moons
    failing_writes(monkeypatch, fail_calls={1})  # the first epoch's best weights
    result = Trainer(new_module(), dataset, FAST, graph=graph, checkpoint_dir=tmp_path,
                     checkpoint_interval_s=0).fit()
    assert result.checkpoint_error is None and set(result.checkpoints) == {"best", "last", "state"}
    assert result.message == f"Finished all 4 epochs. Kept the weights of the best epoch ({result.best_epoch + 1})."
    assert load_state(result.checkpoints["state"]).epochs_done == 4


def test_only_the_file_that_failed_is_left_out(moons, new_module, tmp_path, monkeypatch):
    graph, dataset = moons
    # with a long interval the only writes are the last epoch's: best (1), last (2), state (3)
    calls = failing_writes(monkeypatch, fail_calls={2})
    result = Trainer(new_module(), dataset, FAST, graph=graph, checkpoint_dir=tmp_path,
                     checkpoint_interval_s=3600).fit()
    assert calls["n"] == 3
    assert set(result.checkpoints) == {"best", "state"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.safetensors", "last_state.safetensors"]
    assert "No space left on device" in result.checkpoint_error


@pytest.fixture
def tiny_mount(tmp_path):
    """A 64 KiB tmpfs, mounted for the test (skipped where mounting is not allowed)."""
    folder = tmp_path / "mnt"
    folder.mkdir()

    def mount(options):
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True,
                              text=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
        return folder

    yield mount
    subprocess.run(["umount", str(folder)], capture_output=True)


@pytest.mark.parametrize("kind, options, reason", [
    ("full", "size=64k", "No space left on device"),
    ("read-only", "size=64k,ro", "Read-only file system"),
])
def test_a_real_full_or_read_only_disk(moons, new_module, weights_of, tiny_mount, kind, options, reason):
    graph, dataset = moons
    folder = tiny_mount(options)
    if kind == "full":
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)
    before = sorted(p.name for p in folder.iterdir())
    seen = {}

    class Keep(Callback):
        def on_epoch_end(self, trainer, info):
            seen[info.epoch] = weights_of(trainer.module)

    module = new_module()
    result = Trainer(module, dataset, FAST, [Keep()], graph=graph, checkpoint_dir=folder / "run-1",
                     checkpoint_interval_s=0).fit()
    assert result.status is RunStatus.COMPLETED and result.checkpoints == {}
    assert f"in '{folder / 'run-1'}': {reason}." in result.checkpoint_error
    assert same(weights_of(module), seen[result.best_epoch])
    leftovers = sorted(p.name for p in folder.iterdir())
    run_folder = folder / "run-1"
    assert leftovers in (before, sorted(before + ["run-1"]))
    assert not run_folder.exists() or list(run_folder.iterdir()) == []
