"""`workbench train --nproc-per-node 2`: two gloo processes train the digits MLP together through torchrun."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.core.project import load_project, open_template, save_project


def workbench(*args, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "workbench", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


TRAIN = ("train", "mlp", "--data", "digits", "--epochs", "4", "--device", "cpu", "--threads", "1", "--json")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(one process, two processes): the --json summary and the trained project of each."""
    folder = tmp_path_factory.mktemp("ddp")
    results = []
    for name, extra in (("one", ()), ("two", ("--nproc-per-node", "2"))):
        done = workbench(*TRAIN, "--out", f"{name}.wbproj", *extra, cwd=folder)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        results.append((json.loads(done.stdout), load_project(folder / f"{name}.wbproj")))
    return results


def test_two_processes_give_one_run_record(runs):
    _, (summary, project) = runs
    assert summary["status"] == "completed" and summary["processes"] == 2
    assert "× 2 processes (gloo)" in summary["device"]
    assert len(project.runs) == 1 and project.runs[0].device == summary["device"]
    assert len(project.runs[0].curves.epochs) == 4


def test_every_process_ends_with_identical_weights(runs):
    _, (summary, _) = runs
    assert summary["identical_on_ranks"] is True


def test_accuracy_within_one_point_of_one_process(runs):
    (one, _), (two, _) = runs
    assert one["test"]["accuracy"] > 0.7, (one["test"], two["test"])
    assert abs(one["test"]["accuracy"] - two["test"]["accuracy"]) <= 0.01, (one["test"], two["test"])


def test_a_killed_process_ends_the_others_with_a_message(tmp_path):
    project = open_template("mlp")
    project.training = project.training.replaced(early_stopping=False)
    save_project(project, tmp_path / "long.wbproj")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    launcher = subprocess.Popen([sys.executable, "-m", "workbench", "train", "long.wbproj", "--data", "digits",
                                 "--epochs", "1000", "--device", "cpu", "--threads", "1",
                                 "--nproc-per-node", "2"], cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not (tmp_path / "runs").exists():
            time.sleep(0.2)  # rank 0 writes its first checkpoint about 5 s into training
        time.sleep(2)
        victim = rank_process(launcher.pid, 1)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        out, err = launcher.communicate(timeout=60)
    finally:
        if launcher.poll() is None:
            launcher.kill()
    assert time.monotonic() - killed_at < 30
    assert launcher.returncode != 0
    assert "Process 2 of 2 (rank 1) failed" in err and "SIGKILL" in err, err
    assert "Traceback" not in err, err
    project = load_project(tmp_path / "long.wbproj")  # rank 0 kept the run, to be continued with --resume
    assert len(project.runs) == 1, err
    run = project.runs[0]
    assert run.status.value == "stopped" and run.files.weights and run.epochs_done >= 1
    resumed = workbench("train", "long.wbproj", "--resume", run.id, "--epochs", str(run.epochs_done + 2), "--data",
                        "digits", "--threads", "1", "--nproc-per-node", "2", "--json", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["run"] == run.id and summary["status"] == "completed"
    assert summary["epochs_done"] == run.epochs_done + 2 and summary["identical_on_ranks"] is True
    assert len(load_project(tmp_path / "long.wbproj").runs) == 1


def rank_process(parent: int, rank: int) -> int:
    """The pid of the launcher's child process with that RANK."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    for pid in children:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        if f"RANK={rank}".encode() in environ:
            return int(pid)
    raise AssertionError(f"no process of rank {rank} among {children}")
