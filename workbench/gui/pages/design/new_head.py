""""New head for this dataset" as one undo step: `new_head_for_dataset` replaces the output layer with one fitted to
the chosen data, freezes the layers whose trained weights still fit and makes the training start from the run's
weights; undo puts the network and the training settings back as they were, redo makes the same change again."""

from __future__ import annotations

from workbench.core.project import Project, actions
from workbench.gui.document.commands import EditCommand, replace_graph


class NewHeadCommand(EditCommand):
    def __init__(self, project: Project, dataset, on_settings=None):
        super().__init__("New head for this dataset")
        self.project = project
        self.dataset = dataset  # the loaded data the head is fitted to
        self.on_settings = on_settings or (lambda: None)
        self.before: tuple | None = None
        self.after: tuple | None = None
        self.notes: list[str] = []

    def apply(self) -> None:
        project = self.project
        if self.after is not None:  # redo: the change made the first time
            replace_graph(project.graph, self.after[0])
            project.training = self.after[1]
            self.on_settings()
            return
        self.before = (project.graph.copy(), project.training)
        try:
            self.notes = actions.new_head_for_dataset(project, dataset=self.dataset).notes
        except Exception:
            replace_graph(project.graph, self.before[0])  # never left half-changed
            project.training = self.before[1]
            raise
        self.after = (project.graph.copy(), project.training)
        self.on_settings()

    def revert(self) -> None:
        graph, training = self.before
        replace_graph(self.project.graph, graph)
        self.project.training = training
        self.on_settings()
