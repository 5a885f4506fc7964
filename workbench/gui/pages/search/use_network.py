""""Use this network" as one undo step: the project's graph becomes the trial's (edited in place, so the canvas
follows), its training settings the trial's, and the trial's run joins the runs; undo puts all three back."""

from __future__ import annotations

from workbench.core.project import Project
from workbench.core.project.search import TrialNetwork
from workbench.gui.document.commands import EditCommand, replace_graph


class UseNetworkCommand(EditCommand):
    def __init__(self, project: Project, network: TrialNetwork, number: int, on_settings=None):
        super().__init__(f"Use the network of search trial {number}")
        self.project = project
        self.network = network
        self.on_settings = on_settings or (lambda: None)
        self.before: tuple | None = None

    def apply(self) -> None:
        project = self.project
        self.before = (project.graph.copy(), project.training, list(project.runs))
        try:
            replace_graph(project.graph, self.network.graph)
        except Exception:
            replace_graph(project.graph, self.before[0])  # never left half-changed
            raise
        project.training = self.network.settings
        project.add_run(self.network.run)
        self.on_settings()

    def revert(self) -> None:
        graph, training, runs = self.before
        replace_graph(self.project.graph, graph)
        self.project.training = training
        self.project.runs[:] = runs
        self.on_settings()
