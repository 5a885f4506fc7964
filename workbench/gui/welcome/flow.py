"""What a choice on the welcome page does, in the main window: opens the template, loads a built-in dataset into
a fitting network (in a worker), or starts the Data page's CSV or image-folder flow; then closes the page and, the
first time, starts the guided tour.

The window provides `files` (ProjectFiles), `document`, `stack` (the welcome page sits above the pages in it),
`tabs`, `pages` (its lazily built pages by tab title) and `design`. Pages are reached through the window, never
imported: the welcome page is a page too.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from workbench.core.data.builtin import builtin_title
from workbench.core.project import open_template
from workbench.core.project.data import use_data
from workbench.gui.help.tour import start_tour, tour_seen
from workbench.gui.welcome.page import IMAGE_TEMPLATE, TABLE_TEMPLATE, WelcomePage, template_for_dataset
from workbench.gui.workers import start_worker


def project_on_builtin_job(control, template: str, dataset: str):
    """The template's network fitted to a built-in dataset, with the data loaded (runs in a worker)."""
    project = open_template(template)
    use_data(project, dataset)
    project.name = builtin_title(dataset)
    return project


class WelcomeFlow(QObject):
    chosen = Signal(str)  # the choice's key ("template:mlp", "dataset:wine", "csv", ...), once it took effect

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.page: WelcomePage | None = None
        self.worker = None
        window.document.project_replaced.connect(self._project_replaced)

    @property
    def is_showing(self) -> bool:
        return self.page is not None

    def show(self) -> WelcomePage:
        """Shows the welcome page in place of the pages (made afresh, so the recent projects are current)."""
        self.close()
        window = self.window
        page = WelcomePage(window.files.recent.paths(), parent=window.stack)
        page.template_chosen.connect(self.choose_template)
        page.dataset_chosen.connect(self.choose_dataset)
        page.csv_chosen.connect(lambda: self.choose_own_data("csv"))
        page.folder_chosen.connect(lambda: self.choose_own_data("folder"))
        page.blank_chosen.connect(self.choose_blank)
        page.recent_chosen.connect(self.choose_recent)
        page.closed.connect(self.close)
        window.stack.addWidget(page)
        window.stack.setCurrentWidget(page)
        self.page = page
        page.focus_first_card()
        return page

    def close(self) -> None:
        """Back to the pages and the current project; a choice still being prepared is dropped."""
        page, self.page = self.page, None
        self.worker = None
        if page is not None:
            self.window.stack.setCurrentWidget(self.window.tabs)
            self.window.stack.removeWidget(page)
            page.deleteLater()

    # --- the choices ----------------------------------------------------------------------------------------------

    def choose_template(self, name: str) -> None:
        if not self.window.files.new_from_template(name):
            return
        if self.window.document.project.dataset is None:  # the text templates: the user's CSV file comes next
            self._done(f"template:{name}", lambda: self._data_page().open_csv_file())
        else:
            self._done(f"template:{name}")

    def choose_dataset(self, name: str) -> None:
        if not self._may_replace():
            return
        self.page.set_busy(f"Loading {builtin_title(name).lower()}…")
        worker = start_worker(project_on_builtin_job, template_for_dataset(name), name)
        self.worker = worker
        worker.returned.connect(lambda project: self._dataset_loaded(worker, name, project))
        worker.errored.connect(lambda message, _details: self._dataset_failed(worker, message))

    def choose_own_data(self, kind: str) -> None:
        if not self.window.files.new_from_template(TABLE_TEMPLATE if kind == "csv" else IMAGE_TEMPLATE):
            return
        self._done(kind, lambda: self._data_page().open_csv_file() if kind == "csv"
                   else self._data_page().open_image_folder())

    def choose_blank(self) -> None:
        if self.window.files.new_blank():
            self._done("blank")

    def choose_recent(self, path) -> None:
        if self.window.files.open_path(path):
            self._done("recent")

    # --- helpers ----------------------------------------------------------------------------------------------------

    def _may_replace(self) -> bool:
        busy = self.window.document.busy_reason
        if busy:
            self.window.files.show_error("Please wait", f"{busy}: finish or stop it before starting another "
                                                        "project.")
            return False
        return self.window.files.confirm_discard()

    def _dataset_loaded(self, worker, name: str, project) -> None:
        if worker is not self.worker:  # the page was closed meanwhile
            return
        self.worker = None
        self.window.document.replace_project(project)
        self._done(f"dataset:{name}")

    def _dataset_failed(self, worker, message: str) -> None:
        if worker is not self.worker:
            return
        self.worker = None
        self.page.set_busy(None)
        self.window.files.show_error("Cannot load the dataset", message)

    def _project_replaced(self) -> None:
        if self.page is not None:  # File ▸ Open or a dropped file while it shows: that project is the answer,
            self.close()           # and a dataset still loading for a choice is dropped

    def _data_page(self):
        window = self.window
        holder = window.pages["Data"]
        window.tabs.setCurrentWidget(holder)  # builds it, as a click on its tab does
        return holder.page

    def _done(self, key: str, then=None) -> None:
        """Closes the page, does `then` (opens the Data page's file dialog), and starts the tour the first time."""
        self.close()
        if then is not None:
            then()
        self.chosen.emit(key)
        if not tour_seen():
            start_tour(self.window)
