"""What a user can do with a project, one function per action: open, save, train, evaluate, compress, export,
bench, predict, train on several GPUs (`train_project_on_gpus`), write a job folder that trains it on a cluster
(`write_cluster_job`) and bring its runs back (`bring_back_runs`), import an ONNX model as a new project, give a
trained network a new head for the data, test the devices (`self_test`), compare runs side by side or delete one,
and search. The app's jobs and the command line's
commands call exactly these, through this module (so a test can swap one), and no use case is written in a page or a
command.

Each action takes the project and its options and returns a typed result. None changes the project it is given,
except `save_project` (its path): the caller adds a new run or variant record when the action returns, so a failed
or cancelled action leaves the project as it was. Long actions take ``progress(fraction, message)``, which may raise
`CancelledError` to stop them, and run in the calling thread (the app calls them in a worker).
"""

from __future__ import annotations

from workbench.core.project.bench import bench_project
from workbench.core.project.cluster_job import write_cluster_job
from workbench.core.project.cluster_runs import bring_back_runs
from workbench.core.project.compress import compress_project
from workbench.core.project.evaluate import evaluate_project
from workbench.core.project.export import export_project
from workbench.core.project.import_model import import_model_project
from workbench.core.project.new_head import new_head_for_dataset
from workbench.core.project.predict import open_predictor
from workbench.core.project.runs import compare_runs, delete_run_files
from workbench.core.project.self_test import self_test
from workbench.core.project.search import search_project, stored_search
from workbench.core.project.storage import load_project as open_project
from workbench.core.project.storage import save_project
from workbench.core.project.train import train_project
from workbench.core.project.train_on_gpus import train_project_on_gpus

__all__ = ["bench_project", "bring_back_runs", "compare_runs", "compress_project", "delete_run_files",
           "evaluate_project", "export_project", "import_model_project", "new_head_for_dataset", "open_predictor",
           "open_project", "save_project", "search_project", "self_test", "stored_search", "train_project",
           "train_project_on_gpus", "write_cluster_job"]
