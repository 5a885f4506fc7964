"""The project tier: a `Project` and its typed records (dataset, training settings, runs, variants), its file format
and migrations, and one function per action in `actions` (open, save, train, evaluate, compress, export, bench,
predict), which the app and the command line both call.

Importing this package is cheap (no torch, no ONNX); `actions` loads the heavy libraries where an action needs them.
"""

from workbench.core.project.file_format import (FORMAT_MINOR, FORMAT_VERSION, parse_project_text, project_from_dict,
                                                project_to_dict)
from workbench.core.project.model import NotTrainedError, Project
from workbench.core.project.run_record import RunCurves, RunFiles, RunRecord
from workbench.core.project.storage import copy_record_files, load_project, save_project, write_atomically
from workbench.core.project.templates import (DEMO_TEMPLATE, TEMPLATES_DIR, is_template, open_template,
                                              resolve_project_argument, template_names, template_path)
from workbench.core.project.variant_record import VariantFiles, VariantLatency, VariantRecord

__all__ = ["DEMO_TEMPLATE", "FORMAT_MINOR", "FORMAT_VERSION", "TEMPLATES_DIR", "NotTrainedError", "Project",
           "RunCurves", "RunFiles", "RunRecord", "VariantFiles", "VariantLatency", "VariantRecord",
           "copy_record_files", "is_template", "load_project", "open_template", "parse_project_text",
           "project_from_dict", "project_to_dict", "resolve_project_argument", "save_project", "template_names",
           "template_path", "write_atomically"]
