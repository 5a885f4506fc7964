"""The battery's full and read-only disks: saving a project, training, compressing and exporting onto a small tmpfs
(256 KB) that is full or mounted read-only. The disk holds an older p.json written before it filled up (or was made
read-only); afterwards it must hold exactly what it held, and the case's own files (the trained project the job
starts from) must be unchanged. The tmpfs needs root on Linux; elsewhere these cases are skipped with the reason.

Each line runs on both kinds of disk; in a pattern DISK stands for the disk's folder and REASON for what the system
says ("No space left on device", "Read-only file system"). ``make(project, disk, out)``, given the trained
project's file, returns a `workbench` command's arguments (the outcome is ``exits``) or runs an action of the
project tier itself (``refused``: it raises; ``accepted``: it returns a result that ``check(result, out, reason)``
looks at; `out` is a writable folder elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from battery_cases import Outcome, accepted, exits, refused

KINDS = {"full": "No space left on device", "read-only": "Read-only file system"}
OLD_PROJECT = b'{"an older project": "that must survive"}\n'


@dataclass(frozen=True)
class DiskCase:
    entry: str
    name: str
    kind: str               # full | read-only
    make: object            # make(project, disk, out) -> a command's arguments, or the result of an action
    expect: Outcome


def command(*args: str):
    """A `workbench` command on the project (PROJECT), DISK replaced by the disk."""
    def make(project: Path, disk: Path, out: Path) -> list[str]:
        return [str(project) if a == "PROJECT" else a.replace("DISK", str(disk)) for a in args]
    return make


def save_onto_disk(project_file: Path, disk: Path, out: Path):
    from workbench.core.project import actions

    return actions.save_project(actions.open_project(project_file), disk / "p.json")


def train_onto_disk_then_save_elsewhere(project_file: Path, disk: Path, out: Path):
    """A run whose folder is on the disk, then the project saved in `out` (as the app offers)."""
    from workbench.core.project import actions

    project = actions.open_project(project_file)
    outcome = actions.train_project(project, disk, settings=project.training.replaced(epochs=1, device="cpu"),
                                    num_threads=1)
    kept = dict(outcome.unsaved_weights)
    outcome.add_to(project)
    saved = actions.save_project(project, out / "p.json")
    return SimpleNamespace(outcome=outcome, kept=kept, project=project, saved=saved)


def kept_then_saved(result, out: Path, reason: str) -> bool:
    """The weights were kept in memory, the run says why, and the save elsewhere wrote them where the record says."""
    from workbench.core.build import build_module
    from workbench.core.project import load_project
    from workbench.core.training.weights import load_weights

    record = result.outcome.record
    if not result.kept or record.files.weights not in result.kept or result.project.unsaved_weights:
        return False
    if "Could not save the run's checkpoints in " not in record.message or reason not in record.message:
        return False
    saved = load_project(result.saved)
    run = saved.runs[-1]
    load_weights(build_module(run.graph_snapshot(saved.graph)), out / run.files.weights)
    return run.id == record.id


WEIGHTS_NOT_WRITTEN = (r"^error: The run finished but could not be saved: Could not write the weights file "
                       r"'DISK/runs/.*\.safetensors': REASON\. 'DISK/p\.json' is unchanged and nothing was left "
                       r"half-written, but the run's weights were only in memory, so the run is lost; train again "
                       r"with --out in a folder that has free space and that you can write to\.$")

LINES = [
    ("save_project", "the project file", save_onto_disk,
     refused(r"^Could not save 'DISK/p\.json': REASON\. The file on disk is unchanged\.$")),
    ("train_project", "a run's weights, kept in memory and saved elsewhere", train_onto_disk_then_save_elsewhere,
     accepted(check=kept_then_saved)),
    ("workbench train", "--out on the disk",
     command("train", "PROJECT", "--epochs", "1", "--threads", "1", "--device", "cpu", "--out", "DISK/p.json"),
     exits(2, WEIGHTS_NOT_WRITTEN)),
    ("workbench compress", "--out on the disk",
     command("compress", "PROJECT", "--method", "int8-dynamic", "--out", "DISK/c.json"),
     exits(2, r"^error: Could not write the variant into 'DISK/variants/.*': REASON\. Nothing was added to the "
              r"project; compress into a folder you can write to \(save the project there first\)\.$")),
    ("workbench export", "--out on the disk", command("export", "PROJECT", "--out", "DISK/export"),
     exits(2, r"^error: Cannot write (the export )?into 'DISK/export': REASON")),
]

CASES = [DiskCase(f"disk: {entry}", f"{kind}: {name}", kind, make, expect) for kind in KINDS
         for entry, name, make, expect in LINES]
