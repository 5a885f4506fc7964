"""Runs trained by a cluster job come back into the project: weights copied into its runs folder, records renamed
in its sequence, a run of another version of the network added with a note, another project's runs refused."""

import json
import subprocess
import sys

import pytest

from workbench.core.project import load_project, open_template, save_project
from workbench.core.project.actions import train_project
from workbench.core.project.cluster_job import write_cluster_job
from workbench.core.project.cluster_runs import BringBackError, bring_back_runs


@pytest.fixture
def project(tmp_path):
    project = open_template("mlp")
    project.training = project.training.replaced(epochs=2, early_stopping=False)
    (tmp_path / "home").mkdir()
    save_project(project, tmp_path / "home" / "iris.wbproj")
    return project


def run_job(job_file):
    """Trains the job's project where it is, as the cluster would (one process here: the record is the same)."""
    job = load_project(job_file)
    train_project(job, job_file.parent).add_to(job)
    save_project(job)
    return job


@pytest.fixture
def job(project, tmp_path):
    written = write_cluster_job(project, tmp_path / "job")
    run_job(written.project_file)
    return written


def test_a_run_comes_back_with_its_weights_and_curves(project, job, tmp_path):
    home = tmp_path / "home"
    brought = bring_back_runs(project, job.folder, home)
    assert len(brought.records) == 1 and brought.notes == [] and brought.source == job.project_file
    record = brought.records[0]
    assert record.name == "Run 1" and record.files.weights.startswith(f"runs/iris/{record.id}/")
    for path in (record.files.weights, record.files.best, record.files.last, record.files.state):
        assert (home / path).is_file()
    assert len(record.curves.epochs) == 2 and record.figures("test")
    assert project.runs == []  # the caller adds them
    brought.add_to(project)
    assert project.runs == [record]
    with pytest.raises(BringBackError, match="in the project already"):
        bring_back_runs(project, job.folder / "runs", home)  # its runs folder leads to the job too


def test_the_job_file_itself_can_be_chosen(project, job, tmp_path):
    assert len(bring_back_runs(project, job.project_file, tmp_path / "home").records) == 1


def test_a_run_of_an_edited_network_is_added_with_a_note(project, job, tmp_path):
    project.graph.nodes["dense1"].params["units"] = 7
    brought = bring_back_runs(project, job.folder, tmp_path / "home")
    assert len(brought.records) == 1 and "another version of the network" in brought.notes[0]


def test_another_projects_run_is_refused(job, tmp_path):
    other = open_template("cnn")
    save_project(other, tmp_path / "other.wbproj")
    with pytest.raises(BringBackError, match="runs of another project"):
        bring_back_runs(other, job.folder, tmp_path)
    assert not (tmp_path / "runs").exists()


def test_refusals(project, tmp_path):
    home = tmp_path / "home"
    written = write_cluster_job(project, tmp_path / "job")
    with pytest.raises(BringBackError, match="has no run yet"):
        bring_back_runs(project, written.folder, home)
    with pytest.raises(BringBackError, match="no Workbench project file"):
        bring_back_runs(project, tmp_path, home)
    with pytest.raises(BringBackError, match="does not exist"):
        bring_back_runs(project, tmp_path / "nowhere", home)
    job = run_job(written.project_file)
    (written.folder / job.runs[0].files.weights).unlink()
    with pytest.raises(BringBackError, match="is missing"):
        bring_back_runs(project, written.folder, home)
    assert not (home / "runs" / "iris" / job.runs[0].id).exists()


def test_the_command_line_adds_the_runs_and_saves(project, job, tmp_path):
    done = subprocess.run([sys.executable, "-m", "workbench", "cluster-runs", str(project.path), str(job.folder),
                           "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    saved = load_project(project.path)
    assert [r.id for r in saved.runs] == summary["runs"] and len(saved.runs) == 1
    again = subprocess.run([sys.executable, "-m", "workbench", "cluster-runs", str(project.path), str(job.folder)],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and again.stderr.startswith("error: ") and "Traceback" not in again.stderr
