"""`workbench doctor` and Diagnostics list only the ONNX Runtime providers that really open here (#12 defect 14)."""

import onnxruntime
import pytest

from workbench.cli import run_command
from workbench.core import diagnostics
from workbench.core.diagnostics import collect_diagnostics, format_diagnostics
from workbench.core.export import runtime

EVERY_PROVIDER = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]


@pytest.fixture
def gpu_package_without_a_gpu(monkeypatch):
    """onnxruntime-gpu installed (it offers TensorRT and CUDA) on a machine without a GPU."""
    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: list(EVERY_PROVIDER))
    monkeypatch.setattr(onnxruntime, "get_device", lambda: "GPU")
    monkeypatch.setattr(runtime, "gpu_count", lambda: 0)
    runtime.usable_providers.cache_clear()
    yield
    monkeypatch.undo()
    runtime.usable_providers.cache_clear()


def test_providers_that_do_not_open_are_not_listed_as_usable(gpu_package_without_a_gpu):
    report = collect_diagnostics()["onnxruntime"]
    assert report["providers"] == ["CPUExecutionProvider"]
    assert report["device"] == "CPU"
    assert report["offered"] == EVERY_PROVIDER
    assert report["not_usable"] == ["TensorrtExecutionProvider", "CUDAExecutionProvider"]


def test_doctor_says_in_words_which_providers_run_models(gpu_package_without_a_gpu, capsys):
    assert run_command(["doctor"]) == 0
    text = capsys.readouterr().out
    assert "runs exported models on: CPU\n" in text
    assert "Installed but not usable on this computer: TensorRT (GPU), CUDA (GPU)" in text


def test_a_gpu_provider_that_opens_is_listed_first(monkeypatch):
    monkeypatch.setattr(diagnostics, "usable_providers", lambda: ("CUDAExecutionProvider", "CPUExecutionProvider"))
    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: list(EVERY_PROVIDER))
    report = collect_diagnostics()
    assert report["onnxruntime"]["providers"] == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert report["onnxruntime"]["device"] == "GPU"
    assert "runs exported models on: CUDA (GPU), CPU" in format_diagnostics(report)
