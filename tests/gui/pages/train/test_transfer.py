"""Transfer learning on the Train page: after the run, the message lists the layers loaded, partly loaded and
skipped, each with the reason."""

from PySide6.QtCore import Qt

from workbench.cli import run_command
from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import open_template
from workbench.core.training.settings import TrainingSettings
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.train.page import TrainPage


def test_the_message_says_what_was_loaded_partly_loaded_and_skipped(qtbot, show, data_dir, tmp_path):
    source = tmp_path / "iris.wbproj"
    assert run_command(["train", "mlp", "--data", "iris", "--epochs", "1", "--device", "cpu", "--threads", "1",
                        "--out", str(source), "--json"]) == 0
    project = open_template("mlp")
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "wine"})
    fit_graph_to_dataset(project.graph, load_dataset(spec))
    project.graph.nodes["dense2"].name = "hidden"              # no layer of that name in the source
    project.dataset = spec
    project.training = TrainingSettings(epochs=1, batch_size=16, init_from={"project": str(source)})
    page = TrainPage(ProjectDocument(project))
    show(page, 1200, 800)
    with qtbot.waitSignal(page.run_finished, timeout=60_000):
        qtbot.mouseClick(page.train_button, Qt.MouseButton.LeftButton)
    text = page.message_label.text()
    assert "Started from earlier weights. Loaded 1 layer: classifier1." in text
    assert "Partly loaded dense1: weight has shape (64, 4) there but (64, 13) here." in text
    assert "Not loaded hidden: the source has no layer with this name." in text
    assert "Unused from the source: dense2." in text
