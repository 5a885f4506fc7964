"""Training on several processes from the app's side: a child that fails becomes the child's own message, and
nothing is left behind in the project's folder."""

import os

import pytest

from workbench.core.data import DatasetSpec
from workbench.core.errors import WorkbenchError
from workbench.core.project import open_template, save_project
from workbench.core.project.train_on_gpus import HIDDEN_PREFIX, train_project_on_gpus


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
