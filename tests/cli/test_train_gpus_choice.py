"""`workbench train PROJECT` follows the project's "GPUs to use": on a machine with several GPUs (faked here; the
processes train on the CPU with gloo) a project that chooses them all trains in one process per GPU."""

import json

from workbench.cli import run_command
from workbench.cli import train as train_command
from workbench.core.device import GpuInfo
from workbench.core.project import load_project, open_template, save_project


def test_a_project_choosing_all_gpus_trains_in_one_process_per_gpu(tmp_path, monkeypatch, capfd):
    project = open_template("mlp")
    project.training = project.training.replaced(gpus=0, epochs=2)
    save_project(project, tmp_path / "iris.wbproj")
    two = [GpuInfo(0, "NVIDIA H100", 80 * 1024 ** 3), GpuInfo(1, "NVIDIA H100", 80 * 1024 ** 3)]
    monkeypatch.setattr(train_command, "cuda_devices", lambda: two)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert run_command(["train", str(tmp_path / "iris.wbproj"), "--threads", "1", "--json"]) == 0
    out, err = capfd.readouterr()
    assert "Training on 2 GPUs together, as the project chooses" in err
    assert json.loads(out[out.index("{"):])["processes"] == 2
    assert "× 2 processes (gloo)" in load_project(tmp_path / "iris.wbproj").runs[0].device


def test_one_gpu_or_the_cpu_trains_in_this_process(tmp_path, monkeypatch, capfd):
    project = open_template("mlp")
    project.training = project.training.replaced(gpus=0, epochs=1)
    save_project(project, tmp_path / "iris.wbproj")
    monkeypatch.setattr(train_command, "cuda_devices", lambda: [GpuInfo(0, "NVIDIA H100", 80 * 1024 ** 3)] * 2)
    assert run_command(["train", str(tmp_path / "iris.wbproj"), "--device", "cpu", "--threads", "1", "--json"]) == 0
    out, err = capfd.readouterr()
    assert "GPUs together" not in err and "processes" not in json.loads(out)
