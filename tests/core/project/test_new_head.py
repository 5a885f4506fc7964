"""Fine-tuning a model from elsewhere: a digits CNN trained and exported to ONNX, imported, given a new head for the
digits data with its imported layers frozen, and trained, reaches the accuracy of the same architecture trained
here; the new head starts fresh and only it learns."""

import pytest
import torch

from workbench.core.errors import WorkbenchError
from workbench.core.export.onnx_export import export_module
from workbench.core.project import actions, open_template
from workbench.core.project.data import use_data
from workbench.core.project.trained import build_trained_module
from workbench.core.training import TrainingSettings

EPOCHS = 12


@pytest.fixture(scope="module")
def trained_here(tmp_path_factory):
    """The cnn template trained here on digits; its network exported to ONNX is the model from elsewhere."""
    folder = tmp_path_factory.mktemp("here")
    project = open_template("cnn")
    project.training = TrainingSettings(epochs=EPOCHS, batch_size=64, early_stopping=False, seed=0)
    outcome = actions.train_project(project, folder, num_threads=1)
    outcome.add_to(project)
    path = folder / "colleague.onnx"
    path.write_bytes(export_module(outcome.module.eval(), project.graph).SerializeToString())
    return path, outcome.record.metrics["test"]["accuracy"]


def test_a_new_head_fine_tuned_on_digits_reaches_the_accuracy_trained_here(trained_here, tmp_path):
    path, accuracy_here = trained_here
    project = actions.import_model_project(path).project
    use_data(project, "digits")
    change = actions.new_head_for_dataset(project)
    head = project.graph.nodes[change.head_id]
    assert head.name == "new_head" and head.params == {"classes": 10}
    weighted = {"conv1", "conv2", "dense1"}
    assert {project.graph.nodes[n].name.split("/")[0] for n in change.frozen} == weighted
    assert project.training.init_from == {"run": "imported"} and project.training.frozen_nodes == change.frozen
    assert "only the new output layer learns" in change.notes[1]
    actions.save_project(project, tmp_path / "imported.json")  # writes the imported weights the run starts from
    project.training = project.training.replaced(epochs=EPOCHS, early_stopping=False, seed=0, batch_size=64)
    outcome = actions.train_project(project, tmp_path, num_threads=1)
    outcome.add_to(project)
    accuracy = outcome.record.metrics["test"]["accuracy"]
    assert accuracy >= accuracy_here - 0.02, (accuracy, accuracy_here)
    loaded = outcome.record.transfer["loaded"]
    assert "new_head" not in loaded and len(loaded) == 3  # the head started fresh
    before = build_trained_module(project, project.find_run("imported"), tmp_path)
    after = build_trained_module(project, outcome.record, tmp_path)
    frozen_id = change.frozen[0]
    torch.testing.assert_close(after.layers[frozen_id].weight, before.layers[frozen_id].weight)


def test_a_new_head_needs_data_and_trained_weights():
    project = open_template("cnn")
    project.dataset = None
    with pytest.raises(WorkbenchError, match="Choose the data first"):
        actions.new_head_for_dataset(project)
    with pytest.raises(WorkbenchError, match="no trained run"):
        actions.new_head_for_dataset(open_template("cnn"))
