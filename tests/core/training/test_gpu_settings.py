"""The GPU choice in the training settings: checked, saved in the project file only when chosen (so that a project
on one GPU still opens in earlier versions), and turned into a number of processes for the machine at hand."""

import json

import pytest

from workbench.core.errors import ProjectFileError
from workbench.core.project import open_template, project_from_dict, project_to_dict
from workbench.core.training.settings import TrainingSettings


def test_the_default_is_one_gpu_and_is_not_written():
    settings = TrainingSettings()
    assert (settings.gpus, settings.gpu) == (1, 0)
    assert "gpus" not in settings.to_dict() and "gpu" not in settings.to_dict()


def test_a_choice_is_written_and_read_back():
    project = open_template("mlp")
    project.training = project.training.replaced(gpus=0)
    data = json.loads(json.dumps(project_to_dict(project)))
    assert data["training"]["gpus"] == 0
    assert project_from_dict(data).training.gpus == 0
    project.training = project.training.replaced(gpus=1, gpu=3)
    again = project_from_dict(json.loads(json.dumps(project_to_dict(project))))
    assert (again.training.gpus, again.training.gpu) == (1, 3)


def test_a_file_without_the_choice_opens_with_one_gpu():
    data = project_to_dict(open_template("mlp"))
    data["training"].pop("gpus", None)
    assert project_from_dict(data).training.gpus == 1


@pytest.mark.parametrize("field, value", [("gpus", -1), ("gpus", 2.5), ("gpus", True), ("gpu", -2), ("gpu", "0")])
def test_a_bad_choice_names_the_field(field, value):
    with pytest.raises(ProjectFileError, match=f"training.{field}"):
        TrainingSettings.from_dict({field: value})


@pytest.mark.parametrize("device, gpus, here, processes", [
    ("auto", 0, 4, 4), ("auto", 2, 4, 2), ("cuda", 8, 4, 4), ("auto", 1, 4, 1), ("auto", 0, 1, 1),
    ("auto", 0, 0, 1), ("cpu", 0, 4, 1), ("mps", 4, 4, 1)])
def test_processes_follow_the_choice_and_the_machine(device, gpus, here, processes):
    assert TrainingSettings(device=device, gpus=gpus).gpu_processes(here) == processes
