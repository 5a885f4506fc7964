"""Training on several processes from the app's side: a child that fails becomes the child's own message, a child
that does not stop when the app closes is ended, and nothing is left behind in the project's folder."""

import os
import subprocess
import sys
import time

import pytest

from workbench.core.data import DatasetSpec
from workbench.core.errors import WorkbenchError
from workbench.core.project import open_template, save_project
from workbench.core.project import train_on_gpus
from workbench.core.project.train_on_gpus import CANCEL_GRACE_S, HIDDEN_PREFIX, train_project_on_gpus


def test_a_failing_child_is_told_in_its_own_words(tmp_path):
    project = open_template("mlp")
    (tmp_path / "table.csv").write_text("a,b,label\n1,2,x\n3,4,y\n")
    project.dataset = DatasetSpec.from_dict({"source": "csv", "path": "table.csv", "options": {"target": "label"}})
    save_project(project, tmp_path / "table.wbproj")
    (tmp_path / "table.csv").unlink()  # the data went missing after the project was saved
    with pytest.raises(WorkbenchError, match="table.csv") as caught:
        train_project_on_gpus(project, tmp_path, 2)
    assert "Traceback" not in str(caught.value) and not str(caught.value).startswith("error:")
    assert not [name for name in os.listdir(tmp_path) if name.startswith(HIDDEN_PREFIX)]
    assert sorted(os.listdir(tmp_path)) == ["table.wbproj"]


def test_closing_the_app_ends_a_child_that_does_not_stop(tmp_path, monkeypatch):
    started = []
    popen = subprocess.Popen

    def stubborn(command, **options):  # a training child that never reads its control file
        child = popen([sys.executable, "-c", "import time; time.sleep(120)"], **options)
        started.append(child)
        return child

    monkeypatch.setattr(train_on_gpus.subprocess, "Popen", stubborn)
    project = open_template("mlp")
    save_project(project, tmp_path / "iris.wbproj")
    began = time.monotonic()
    with pytest.raises(WorkbenchError, match="ended without saving a run"):
        train_project_on_gpus(project, tmp_path, 2, should_cancel=lambda: time.monotonic() - began > 0.3)
    assert started and started[0].poll() is not None  # no training outlives the app
    assert time.monotonic() - began < 0.3 + 2 * CANCEL_GRACE_S + 2  # within the app's wait for its jobs at exit
    assert sorted(os.listdir(tmp_path)) == ["iris.wbproj"]
