"""Architecture and settings search: the search space (typed records), candidate building, objectives, the Pareto
front and the study runner over Optuna (samplers, pruning, RDB storage). Importing it is cheap: Optuna, torch and
ONNX Runtime load when a search runs."""

from workbench.core.search.candidate import Candidate, InfeasibleCandidateError, build_candidate
from workbench.core.search.pareto import best_under_limit, pareto_front
from workbench.core.search.runner import SearchError, SearchReport, SearchRunner, TrialTraining
from workbench.core.search.settings import OBJECTIVES, SearchSection, SearchSettings
from workbench.core.search.space import Choices, NumberRange, RepeatChain, SearchSpace, SearchSpaceError
from workbench.core.search.trial import TrialResult, TrialState, describe_choices

__all__ = ["OBJECTIVES", "Candidate", "Choices", "InfeasibleCandidateError", "NumberRange", "RepeatChain",
           "SearchError", "SearchReport", "SearchRunner", "SearchSection", "SearchSettings", "SearchSpace",
           "SearchSpaceError", "TrialResult", "TrialState", "TrialTraining", "best_under_limit", "build_candidate",
           "describe_choices", "pareto_front"]
