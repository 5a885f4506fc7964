"""Training: settings, the `Trainer` loop with callbacks and cooperative stop/pause, evaluation, weights files and
the trained model that export and compression take. Nothing here imports torch at import time; the modules import
it where they need it. A run's record in the project is the project tier's (workbench/core/project/).
"""

from workbench.core.training.callbacks import Callback, EpochInfo, FitInfo, ProgressInfo, RunControl, TrainerState
from workbench.core.training.hooks import FitState, LoopCallback
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.status import RunStatus
from workbench.core.training.trainer import Trainer, TrainResult

__all__ = ["Callback", "EpochInfo", "FitInfo", "FitState", "LoopCallback", "ProgressInfo", "RunControl",
           "RunStatus", "TrainResult", "Trainer", "TrainerState", "TrainingSettings"]
