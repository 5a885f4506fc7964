"""The training engine: settings, the loop, stop/pause, determinism, divergence, memory errors, freezing, hooks."""

import threading

import numpy as np
import pytest
import torch

from workbench.core.build import build_module
from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.errors import DataError, ProjectFileError, WorkbenchError
from workbench.core.project import open_template
from workbench.core.training import Callback, RunControl, Trainer, TrainerState, TrainingSettings


def tiny(name="moons", template="mlp", **options):
    """A template fitted to a small built-in dataset: (graph, dataset)."""
    project = open_template(template)
    dataset = load_dataset(DatasetSpec.from_dict({"source": "builtin", "name": name, "options": options}))
    fit_graph_to_dataset(project.graph, dataset)
    return project.graph, dataset


@pytest.fixture(scope="module")
def moons():
    return tiny("moons", n_samples=240)


def make(graph, seed=0):
    torch.manual_seed(seed)
    return build_module(graph)


FAST = dict(epochs=4, batch_size=32, early_stopping=False)


# --- settings ---------------------------------------------------------------------------------------------------

def test_settings_defaults_round_trip():
    s = TrainingSettings.from_dict({})
    assert s == TrainingSettings()
    assert TrainingSettings.from_dict(s.to_dict()) == s
    assert TrainingSettings.from_dict(None) == s


@pytest.mark.parametrize("d, field", [
    ({"learning_rate": 0}, "training.learning_rate"),
    ({"learning_rate": "fast"}, "training.learning_rate"),
    ({"batch_size": 0}, "training.batch_size"),
    ({"epochs": 2.5}, "training.epochs"),
    ({"optimizer": "adagrad"}, "training.optimizer"),
    ({"early_stopping": 1}, "training.early_stopping"),
    ({"frozen_nodes": "dense1"}, "training.frozen_nodes"),
    ({"init_from": {"model": "x"}}, "training.init_from.model"),
    ({"init_from": {"weights": "a.safetensors", "run": "r"}}, "training.init_from"),
    ({"learnig_rate": 0.1}, "training.learnig_rate"),
])
def test_settings_errors_name_the_field(d, field):
    with pytest.raises(ProjectFileError) as info:
        TrainingSettings.from_dict(d)
    assert info.value.field == field
    assert str(info.value).startswith(field + ": ")


# --- the loop ---------------------------------------------------------------------------------------------------

class Recorder(Callback):
    def __init__(self):
        self.fit_info = None
        self.progress = []
        self.epochs = []
        self.ended = None

    def on_fit_start(self, trainer, info):
        self.fit_info = info

    def on_progress(self, trainer, info):
        self.progress.append(info)

    def on_epoch_end(self, trainer, info):
        self.epochs.append(info)

    def on_fit_end(self, trainer, result):
        self.ended = result


def test_short_run_lowers_the_loss_and_reports_every_batch(moons):
    graph, dataset = moons
    rec = Recorder()
    trainer = Trainer(make(graph), dataset, TrainingSettings(**FAST), [rec], graph=graph)
    result = trainer.fit()
    assert result.status == "completed" and trainer.state is TrainerState.FINISHED
    assert result.epochs_done == 4 and len(result.history) == 4
    first, last = result.history[0], result.history[-1]
    assert last["train_loss"] < 0.8 * first["train_loss"]
    assert last["val_loss"] < first["val_loss"]
    nb = rec.fit_info.batches_per_epoch
    assert rec.fit_info.train_samples == len(dataset.splits["train"]) and rec.fit_info.in_memory
    assert len(result.batch_losses) == 4 * nb
    # progress reports carry every batch loss exactly once, in order
    delivered = np.concatenate([p.batch_losses for p in rec.progress])
    assert np.array_equal(delivered, result.batch_losses)
    assert [p.first_step for p in rec.progress if len(p.batch_losses)] == \
        list(np.cumsum([0] + [len(p.batch_losses) for p in rec.progress if len(p.batch_losses)])[:-1])
    assert rec.progress[-1].step == 4 * nb and rec.progress[-1].fraction == 1.0
    assert [e.epoch for e in rec.epochs] == [0, 1, 2, 3]
    assert set(rec.epochs[0].metrics) >= {"train_loss", "val_loss", "val_accuracy", "val_f1_macro", "lr"}
    assert rec.ended is result
    assert result.device.startswith("CPU")


def test_restore_best_keeps_the_best_epoch(moons):
    graph, dataset = moons
    snapshots = {}

    class Snap(Callback):
        def on_epoch_end(self, trainer, info):
            snapshots[info.epoch] = {k: v.clone() for k, v in trainer.module.layers.state_dict().items()}

    module = make(graph)
    result = Trainer(module, dataset, TrainingSettings(**FAST), [Snap()], graph=graph).fit()
    best = int(np.argmin([h["val_loss"] for h in result.history]))
    assert result.best_epoch == best and result.ended_with == "best"
    for k, v in module.layers.state_dict().items():
        assert torch.equal(v, snapshots[best][k])


def test_deterministic_run_repeats_exactly(moons):
    graph, dataset = moons
    settings = TrainingSettings(**FAST, deterministic=True, seed=3)
    a = Trainer(make(graph, 1), dataset, settings, graph=graph).fit()
    b = Trainer(make(graph, 1), dataset, settings, graph=graph).fit()
    assert np.array_equal(a.batch_losses, b.batch_losses)
    assert [h["val_loss"] for h in a.history] == [h["val_loss"] for h in b.history]
    c = Trainer(make(graph, 1), dataset, settings.replaced(seed=4), graph=graph).fit()
    assert not np.array_equal(a.batch_losses, c.batch_losses)


def test_stop_pause_and_resume_from_another_thread(moons):
    graph, dataset = moons
    control = RunControl()
    reports = []
    first_report = threading.Event()

    class Slow(Callback):
        def on_progress(self, trainer, info):
            reports.append(info.step)
            first_report.set()

    settings = TrainingSettings(epochs=10_000, batch_size=8, early_stopping=False)
    trainer = Trainer(make(graph), dataset, settings, [Slow()], graph=graph, control=control,
                      report_interval_s=0.01)
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("result", trainer.fit()))
    thread.start()
    assert first_report.wait(10)
    control.pause()
    deadline = threading.Event()
    for _ in range(100):
        if trainer.state is TrainerState.PAUSED:
            break
        deadline.wait(0.02)
    assert trainer.state is TrainerState.PAUSED
    steps_at_pause = len(reports)
    deadline.wait(0.3)
    assert len(reports) == steps_at_pause  # nothing moves while paused
    control.resume()
    for _ in range(200):
        if len(reports) > steps_at_pause + 2:
            break
        deadline.wait(0.02)
    assert len(reports) > steps_at_pause + 2
    control.stop()
    thread.join(2.0)
    assert not thread.is_alive(), "stop must take effect within a second or two"
    result = outcome["result"]
    assert result.status == "stopped" and trainer.state is TrainerState.STOPPED
    assert "Stopped by you" in result.message
    assert result.epochs_done < 10_000


def test_stop_while_paused_ends_the_run(moons):
    graph, dataset = moons
    control = RunControl()

    class PauseThenStop(Callback):
        def on_progress(self, trainer, info):
            control.pause()
            threading.Timer(0.1, control.stop).start()

    result = Trainer(make(graph), dataset, TrainingSettings(**FAST), [PauseThenStop()], graph=graph,
                     control=control).fit()
    assert result.status == "stopped"


@pytest.fixture(scope="module")
def diabetes():
    return tiny("diabetes")


def test_huge_learning_rate_stops_with_a_message_and_keeps_finite_weights(diabetes):
    graph, dataset = diabetes
    module = make(graph)
    result = Trainer(module, dataset, TrainingSettings(optimizer="sgd", learning_rate=10.0, momentum=0.99,
                                                       epochs=30, batch_size=8, early_stopping=False),
                     graph=graph).fit()
    assert result.status == "diverged"
    assert "learning rate (10) is too high" in result.message and "were kept" in result.message
    assert all(torch.isfinite(v).all() for v in module.state_dict().values())


def test_divergence_keeps_the_weights_of_the_last_good_epoch(moons):
    """A NaN injected in epoch 3: the module ends with exactly the weights it had after epoch 2."""
    graph, dataset = moons
    snapshots = {}
    calls = {"n": 0}
    module = make(graph)
    trainer_box = {}

    def poisoned_loss(outputs, targets, inputs):
        calls["n"] += 1
        loss = trainer_box["t"].objective(outputs, targets)
        nb = trainer_box["t"].batches.batches_per_epoch
        return loss * float("nan") if calls["n"] == 2 * nb + 2 else loss

    class Snap(Callback):
        def on_epoch_end(self, trainer, info):
            snapshots[info.epoch] = {k: v.clone() for k, v in trainer.module.layers.state_dict().items()}

    trainer = Trainer(module, dataset, TrainingSettings(**{**FAST, "epochs": 5}), [Snap()], graph=graph,
                      loss_fn=poisoned_loss)
    trainer_box["t"] = trainer
    result = trainer.fit()
    assert result.status == "diverged" and trainer.state is TrainerState.FAILED
    assert "epoch 3, batch 2" in result.message
    assert "The weights from the end of epoch 2 were kept." in result.message
    assert result.epochs_done == 2 and result.ended_with == "last_good"
    for k, v in module.layers.state_dict().items():
        assert torch.equal(v, snapshots[1][k])


def test_out_of_memory_is_caught_with_a_suggestion(moons):
    graph, dataset = moons
    module = make(graph)
    before = {k: v.clone() for k, v in module.layers.state_dict().items()}

    def greedy_loss(outputs, targets, inputs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    result = Trainer(module, dataset, TrainingSettings(**FAST), graph=graph, loss_fn=greedy_loss).fit()
    assert result.status == "out_of_memory"
    assert "ran out of memory" in result.message and "smaller batch size, such as 16" in result.message
    for k, v in module.layers.state_dict().items():
        assert torch.equal(v, before[k])


def test_other_errors_reach_the_caller(moons):
    graph, dataset = moons

    def broken_loss(outputs, targets, inputs):
        raise ValueError("bug in a custom loss")

    trainer = Trainer(make(graph), dataset, TrainingSettings(**FAST), graph=graph, loss_fn=broken_loss)
    with pytest.raises(ValueError, match="bug in a custom loss"):
        trainer.fit()
    assert trainer.state is TrainerState.FAILED


def test_frozen_nodes_keep_their_weights_and_masks_stay_zero(moons):
    graph, dataset = moons
    module = make(graph)
    dense1 = {k: v.clone() for k, v in module.layers["dense1"].state_dict().items()}
    dense2_before = module.layers["dense2"].weight.detach().clone()
    mask = (torch.rand_like(module.layers["dense2"].weight) > 0.5).float()
    module.layers["dense2"].weight.data *= mask

    def apply_mask(m):
        with torch.no_grad():
            m.layers["dense2"].weight.mul_(mask)

    settings = TrainingSettings(**FAST, frozen_nodes=["dense1"])
    result = Trainer(module, dataset, settings, graph=graph, after_step=[apply_mask]).fit()
    assert result.status == "completed"
    for k, v in module.layers["dense1"].state_dict().items():
        assert torch.equal(v, dense1[k])
    assert all(p.requires_grad for p in module.parameters())  # flags restored after the run
    w = module.layers["dense2"].weight.detach()
    assert not torch.equal(w, dense2_before * mask)  # trained ...
    assert torch.all(w[mask == 0] == 0)  # ... but pruned weights stayed zero


def test_unknown_or_total_freezing_is_refused(moons):
    graph, dataset = moons
    with pytest.raises(WorkbenchError, match="no layer with id 'nope'"):
        Trainer(make(graph), dataset, TrainingSettings(**FAST, frozen_nodes=["nope"]), graph=graph).fit()
    everything = [nid for nid in make(graph).layers.keys()]
    with pytest.raises(WorkbenchError, match="nothing to train"):
        Trainer(make(graph), dataset, TrainingSettings(**FAST, frozen_nodes=everything), graph=graph).fit()


def test_early_stopping_ends_the_run(moons):
    graph, dataset = moons
    settings = TrainingSettings(epochs=200, batch_size=32, patience=2, monitor="val_accuracy")
    result = Trainer(make(graph), dataset, settings, graph=graph).fit()
    assert result.status == "early_stopped" and result.epochs_done < 200
    assert "had not improved for 2 epochs" in result.message
    accs = [h["val_accuracy"] for h in result.history]
    assert result.best_value == max(accs) and accs.index(max(accs)) == result.best_epoch
    assert result.epochs_done == result.best_epoch + 3


def test_streamed_batches_train_like_resident_ones(moons):
    graph, dataset = moons
    rec = Recorder()
    result = Trainer(make(graph), dataset, TrainingSettings(**FAST), [rec], graph=graph, in_memory=False,
                     loader_workers=0).fit()
    assert not rec.fit_info.in_memory
    assert result.history[-1]["train_loss"] < 0.8 * result.history[0]["train_loss"]
    assert len(result.batch_losses) == 4 * rec.fit_info.batches_per_epoch


@pytest.mark.parametrize("schedule", ["step", "cosine", "one_cycle"])
def test_schedules_change_the_learning_rate(moons, schedule):
    graph, dataset = moons
    settings = TrainingSettings(**FAST, schedule=schedule, step_epochs=2, learning_rate=0.01)
    result = Trainer(make(graph), dataset, settings, graph=graph).fit()
    lrs = [h["lr"] for h in result.history]
    assert len(set(lrs)) > 1 and max(lrs) <= 0.01 + 1e-12
    if schedule == "step":
        assert lrs == pytest.approx([0.01, 0.01, 0.001, 0.001])  # the rate each epoch trained with


def test_batch_of_one_is_never_trained(moons):
    """BatchNorm cannot train on a single sample: a last batch of one is left out of the epoch."""
    from workbench.core.training.batches import batch_count

    assert batch_count(65, 32) == 2 and batch_count(66, 32) == 3 and batch_count(1, 32) == 1
    assert batch_count(64, 32) == 2


def test_data_that_does_not_fit_the_network_is_explained():
    graph, _ = tiny("moons", n_samples=60)
    _, iris = tiny("iris")
    with pytest.raises(DataError, match=r"expects samples of shape \(2\).*\(4\)"):
        Trainer(make(graph), iris, TrainingSettings(**FAST), graph=graph).fit()
    graph.set_params("input1", {"shape": (4,)})
    with pytest.raises(DataError, match="gives 2 classes, but the data has 3"):
        Trainer(make(graph), iris, TrainingSettings(**FAST), graph=graph).fit()


def test_regression_trains_with_the_heads_loss(diabetes):
    graph, dataset = diabetes
    graph = graph.copy()
    graph.set_params(graph.head_nodes()[0].id, {"loss": "mae"})
    rec = Recorder()
    result = Trainer(make(graph), dataset, TrainingSettings(**FAST, monitor="val_mae"), [rec],
                     graph=graph).fit()
    assert result.monitor == "val_mae"
    row = result.history[-1]
    assert set(row) >= {"val_loss", "val_mae", "val_rmse", "val_r2"}
    assert row["val_mae"] > 5  # reported in the target's units (tens), not the standardised ones
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]
    with pytest.raises(WorkbenchError, match="val_accuracy does not apply to a regression task"):
        Trainer(make(graph), dataset, TrainingSettings(**FAST, monitor="val_accuracy"), graph=graph).fit()


def test_a_trainer_runs_once(moons):
    graph, dataset = moons
    trainer = Trainer(make(graph), dataset, TrainingSettings(epochs=1), graph=graph)
    trainer.fit()
    with pytest.raises(WorkbenchError, match="already run"):
        trainer.fit()


def test_device_choice_explains_a_missing_gpu():
    from workbench.core.device import DeviceError, choose_device, device_label

    assert choose_device("cpu").type == "cpu"
    assert device_label(choose_device("cpu")).startswith("CPU (")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="CUDA.*was asked for"):
            choose_device("cuda")
        assert choose_device("auto").type in ("cpu", "mps")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_run_with_mixed_precision(moons):
    graph, dataset = moons
    rec = Recorder()
    module = make(graph)
    result = Trainer(module, dataset, TrainingSettings(**FAST, device="cuda"), [rec], graph=graph).fit()
    assert result.status == "completed" and "CUDA" in result.device
    assert any("Mixed precision on" in note for note in rec.fit_info.notes)
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]
    assert next(module.parameters()).device.type == "cuda"
    assert rec.progress[-1].memory_bytes > 0
