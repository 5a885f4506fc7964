"""The CUDA path, checked on the CPU: the bf16/fp16 choice on faked device properties, augmentation drawn on the
device, no host sync per batch, channels-last, cuDNN and TF32 choices, streamed batches built ahead in the app, and
GPU memory in three figures."""

import threading
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from workbench.core.build import build_module
from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.device import cuda_memory, describe_memory
from workbench.core.project import open_template
from workbench.core.training import Trainer, TrainingSettings
from workbench.core.training import optim, trainer as trainer_module
from workbench.core.training.batches import StreamedBatches
from workbench.core.training.callbacks import ProgressInfo

CUDA = torch.device("cuda")


def fake_gpu(monkeypatch, major: int, minor: int = 0):
    """Makes torch report one CUDA device of the given compute capability; `is_bf16_supported` answers as the real
    one does: True with emulation on any card, natively from Ampere (8.0) on."""
    monkeypatch.setattr(torch.version, "hip", None)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_properties",
                        lambda index=0: SimpleNamespace(major=major, minor=minor, name=f"Fake sm_{major}{minor}"))
    monkeypatch.setattr(torch.cuda, "is_bf16_supported",
                        lambda including_emulation=True: including_emulation or major >= 8)


@pytest.mark.filterwarnings("ignore::UserWarning")  # GradScaler warns that CUDA is not really there
@pytest.mark.parametrize("major, minor, expected", [(7, 5, torch.float16), (7, 0, torch.float16),
                                                    (8, 0, torch.bfloat16), (8, 9, torch.bfloat16),
                                                    (9, 0, torch.bfloat16)])
def test_bf16_only_where_the_gpu_has_it_else_fp16_with_a_scaler(monkeypatch, major, minor, expected):
    fake_gpu(monkeypatch, major, minor)
    dtype, scaler = optim.mixed_precision(TrainingSettings(), CUDA)
    assert dtype == expected
    assert (scaler is not None) == (expected == torch.float16)  # T4 / V100: fp16 with a gradient scaler


def test_no_mixed_precision_on_the_cpu_or_when_off(monkeypatch):
    fake_gpu(monkeypatch, 9)
    assert optim.mixed_precision(TrainingSettings(), torch.device("cpu")) == (None, None)
    assert optim.mixed_precision(TrainingSettings(mixed_precision=False), CUDA) == (None, None)


def test_augmentation_draws_on_the_gpu(monkeypatch):
    made = []

    class RecordingGenerator:
        def __init__(self, device="cpu"):
            self.device = torch.device(device)
            made.append(self)

        def manual_seed(self, seed):
            self.seed = seed
            return self

    dataset = SimpleNamespace(spec=SimpleNamespace(augmentation={"hflip": True, "noise": 0.1}))
    host_generator = torch.Generator().manual_seed(0)
    monkeypatch.setattr(torch, "Generator", RecordingGenerator)
    calls = []
    monkeypatch.setattr(optim, "augment_batch", lambda x, settings, generator: calls.append(generator) or x)
    augment = optim.augmenter(dataset, CUDA, host_generator, seed=7)
    augment(torch.zeros(2, 1, 4, 4))
    assert calls[0] is made[0] and made[0].device.type == "cuda" and made[0].seed == 7
    augment_cpu = optim.augmenter(dataset, torch.device("cpu"), host_generator, seed=7)
    augment_cpu(torch.zeros(2, 1, 4, 4))
    assert calls[1] is host_generator and len(made) == 1  # on the CPU: the run's own generator, as before


SYNCS = ("item", "tolist", "cpu", "numpy", "__float__", "__int__", "__bool__")


def count_host_syncs(monkeypatch) -> list:
    """Counts every call that brings a tensor's value to the host (on a GPU, each is a device sync)."""
    counted = []
    for name in SYNCS:
        original = getattr(torch.Tensor, name)

        def counting(self, *args, _original=original, _name=name, **kwargs):
            counted.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counting)
    return counted


@pytest.fixture(scope="module")
def moons():
    project = open_template("mlp")
    dataset = load_dataset(DatasetSpec.from_dict({"source": "builtin", "name": "moons",
                                                  "options": {"n_samples": 400}}))
    fit_graph_to_dataset(project.graph, dataset)
    return project.graph, dataset


@pytest.mark.parametrize("clip", [0.0, 1.0])
def test_no_host_sync_per_batch(monkeypatch, moons, clip):
    """The syncs of a run do not grow with its number of batches: the losses come back per report, not per
    batch (the reports are made rare here, so that only the end of each epoch brings them)."""
    graph, dataset = moons
    counts = {}
    for batch_size in (8, 80):  # 35 and 4 batches per epoch
        torch.manual_seed(0)
        module = build_module(graph)
        syncs = count_host_syncs(monkeypatch)
        settings = TrainingSettings(epochs=3, batch_size=batch_size, early_stopping=False, grad_clip=clip)
        result = Trainer(module, dataset, settings, graph=graph, report_interval_s=3600).fit()
        monkeypatch.undo()
        counts[batch_size] = len(syncs)
        assert len(result.batch_losses) == 3 * result.batches_per_epoch
    assert counts[8] == counts[80], counts


def cnn_module():
    project = open_template("cnn")
    dataset = load_dataset(DatasetSpec.from_dict({"source": "builtin", "name": "digits"}))
    fit_graph_to_dataset(project.graph, dataset)
    return build_module(project.graph)


def test_channels_last_on_cuda_only_with_mixed_precision():
    module = cnn_module()
    prefers = trainer_module._prefers_channels_last
    assert prefers(module, torch.device("cpu"))
    assert prefers(module, CUDA, True)
    assert not prefers(module, CUDA, False)  # fp32 on CUDA: cuDNN is usually as fast in the usual layout


def test_cudnn_benchmark_and_tf32_unless_deterministic():
    saved = trainer_module._cuda_flags()
    try:
        trainer_module._set_cuda_flags(False, False, False)
        trainer_module._tune_cuda(TrainingSettings())
        assert trainer_module._cuda_flags() == (True, True, True)
        trainer_module._tune_cuda(TrainingSettings(deterministic=True))
        assert trainer_module._cuda_flags() == (False, False, False)
    finally:
        trainer_module._set_cuda_flags(*saved)


def test_a_run_leaves_the_cuda_flags_as_it_found_them(moons):
    graph, dataset = moons
    before = trainer_module._cuda_flags()
    Trainer(build_module(graph), dataset, TrainingSettings(epochs=1, early_stopping=False), graph=graph).fit()
    assert trainer_module._cuda_flags() == before


def streamed_epoch(dataset, seed: int, in_thread: bool):
    out = {}

    def run():
        batches = StreamedBatches(dataset, "train", 16, torch.device("cpu"), torch.Generator().manual_seed(seed))
        out["threads"] = batches.threads
        out["epochs"] = [[(x.clone(), y.clone()) for x, y in batches.epoch()] for _ in range(2)]

    if in_thread:
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    else:
        batches = StreamedBatches(dataset, "train", 16, torch.device("cpu"), torch.Generator().manual_seed(seed), 0)
        out["threads"] = batches.threads
        out["epochs"] = [[(x.clone(), y.clone()) for x, y in batches.epoch()] for _ in range(2)]
    return out


def test_streamed_batches_are_built_ahead_by_threads_outside_the_main_thread(moons):
    _, dataset = moons
    threaded = streamed_epoch(dataset, 3, in_thread=True)
    inline = streamed_epoch(dataset, 3, in_thread=False)
    assert threaded["threads"] >= 1 and inline["threads"] == 0
    for got, want in zip(threaded["epochs"], inline["epochs"]):  # the same batches in the same order, each epoch
        assert len(got) == len(want)
        for (x, y), (x0, y0) in zip(got, want):
            assert torch.equal(x, x0) and torch.equal(y, y0)


def test_gpu_memory_is_allocated_reserved_and_peak(monkeypatch):
    monkeypatch.setattr(torch.cuda, "memory_allocated", lambda device=None: 3 * 1024 ** 3)
    monkeypatch.setattr(torch.cuda, "memory_reserved", lambda device=None: 4 * 1024 ** 3)
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device=None: 5 * 1024 ** 3)
    figures = cuda_memory(CUDA)
    assert figures == {"allocated": 3 * 1024 ** 3, "reserved": 4 * 1024 ** 3, "peak": 5 * 1024 ** 3}
    info = ProgressInfo(epoch=0, epochs=1, batch=1, batches_per_epoch=1, step=1, total_steps=1, first_step=0,
                        batch_losses=np.zeros(1, np.float32), learning_rate=0.1, samples_per_s=1.0, elapsed_s=1.0,
                        eta_s=0.0, memory_bytes=figures["allocated"], device="GPU",
                        memory_reserved_bytes=figures["reserved"], memory_peak_bytes=figures["peak"])
    assert info.memory_text == "3.0 GB allocated, 4.0 GB reserved, peak 5.0 GB"
    assert describe_memory(350 * 1024 ** 2) == "350.0 MB in use"
    assert describe_memory(None) == ""
