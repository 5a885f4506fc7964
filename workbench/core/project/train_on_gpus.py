"""Training a project on several GPUs of this machine from the app: the same distributed path as the command line.

`train_project_on_gpus` writes the project as it is now to a project file in a hidden folder of `base_dir`, starts
``python -m workbench train FILE --nproc-per-node N`` in a child process (which hands the run to `torchrun`: one
process per GPU, DistributedDataParallel, rank 0 writing the run), and follows it: the child's feed file brings
its reports to the caller's callbacks, so progress and curves show as for a run in the app's own thread, and the
caller's `RunControl` reaches the child through a control file (pause, resume, stop). When the child has saved,
its run record is read back and returned (the caller adds it to the project, as with `train_project`), and its
weights folder is moved to where a run in the app writes it, under ``<base_dir>/runs/``. The hidden folder is
removed whatever happens. When the caller cancels (the app is closing), the child is asked to stop and, if it has
not ended `CANCEL_GRACE_S` later, ended, so that no training outlives the app and no hidden folder is left behind.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from workbench.core.errors import WorkbenchError
from workbench.core.project.file_format import project_text, project_to_dict
from workbench.core.project.model import Project
from workbench.core.project.run_record import RunRecord
from workbench.core.project.storage import load_project, portable_dataset, portable_training
from workbench.core.project.train import filed_beside, run_folder
from workbench.core.project.trained import project_slug
from workbench.core.training.callbacks import RunControl
from workbench.core.training.run_feed import PAUSE, RUN, STOP, FeedReader, relay, write_control

POLL_S = 0.1
CANCEL_GRACE_S = 2.0  # within the app's wait for its jobs at exit (workers.cancel_all_workers: 5 s)
HIDDEN_PREFIX = ".workbench-gpus-"


@dataclass
class ChildRunResult:
    """How the child processes ended: ``ok`` when the run's weights are worth keeping (see `RunStatus.ok`)."""

    ok: bool
    processes: int


@dataclass
class GpusOutcome:
    """The run trained on several GPUs: its record, read back from the child's saved project."""

    record: RunRecord
    result: ChildRunResult

    def add_to(self, project: Project, written_in: Path | None = None) -> None:
        """Adds the record, its files filed beside the project if it was saved elsewhere meanwhile (`filed_beside`)."""
        self.record = filed_beside(self.record, project, written_in)[0]
        project.add_run(self.record)


def train_project_on_gpus(project: Project, base_dir, processes: int, *, callbacks=(),
                          control: RunControl | None = None, resume_run: str | None = None, should_cancel=None,
                          progress=None) -> GpusOutcome:
    """One run of the project (or the continuation of `resume_run`) in `processes` processes that train together
    (one per GPU; on a machine without CUDA, gloo on the CPU); see the module docstring. Raises `WorkbenchError`
    with the child's own message when it fails."""
    base_dir = Path(base_dir)
    control = control or RunControl()
    base_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=HIDDEN_PREFIX, dir=base_dir))
    hidden = work / f"{project_slug(project)}.wbproj"  # the same runs/<slug>/ folder as the project's own
    feed, control_file, log = work / "feed.jsonl", work / "control", work / "errors.log"
    moved: list[tuple[Path, Path]] = []  # (in the hidden folder, in base_dir): the runs folders to put back
    try:
        data = project_to_dict(project)
        dataset = portable_dataset(project.dataset, base_dir, work)
        data["dataset"] = dataset.to_dict() if dataset is not None else None
        data["training"] = portable_training(project.training, base_dir, work).to_dict()
        hidden.write_text(project_text(project, data), encoding="utf-8")
        if resume_run and run_folder(base_dir, project, resume_run).is_dir():  # its checkpoints, read by the child
            moved.append(_move(run_folder(base_dir, project, resume_run), run_folder(work, project, resume_run)))
        write_control(control_file, RUN)
        if progress is not None:
            progress(1.0, f"Starting {processes} processes that train together…")
        command = [sys.executable, "-m", "workbench", "train", str(hidden), "--nproc-per-node", str(processes),
                   "--feed", str(feed), "--control", str(control_file), "--json"]
        if resume_run:
            command += ["--resume", resume_run]
        with open(log, "w+", encoding="utf-8") as errors:  # a file, not a pipe: a chatty child never blocks
            child = subprocess.Popen(command, cwd=work, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=errors, env={**os.environ, "OMP_NUM_THREADS": "1"})
            _follow(child, FeedReader(feed), callbacks, control, control_file, should_cancel)
            errors.seek(0)
            said = errors.read()
        known = {r.id for r in project.runs if r.id != resume_run}
        trained = load_project(hidden)
        record = next((r for r in reversed(trained.runs) if r.id not in known), None)
        if record is None:
            raise WorkbenchError(_child_error(said, child.returncode))
        moved.append((run_folder(work, project, record.id), run_folder(base_dir, project, record.id)))
        for callback in callbacks:
            callback.on_fit_end(None, None)
        record = dataclasses.replace(record, dataset=copy.deepcopy(project.dataset),
                                     settings=record.settings.replaced(init_from=project.training.init_from)
                                     if resume_run is None else record.settings)
        return GpusOutcome(record, ChildRunResult(ok=record.status.ok, processes=processes))
    finally:
        for inside, outside in moved:
            if inside.exists():
                _move(inside, outside)
        shutil.rmtree(work, ignore_errors=True)


def _move(source: Path, target: Path) -> tuple[Path, Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    return target, source


def _follow(child, reader: FeedReader, callbacks, control: RunControl, control_file: Path, should_cancel) -> None:
    """Relays the child's reports and the user's pause, resume and stop until the child ends; ends the child
    itself when it is still running `CANCEL_GRACE_S` after a cancel."""
    said = RUN
    cancelled_at = None
    while True:
        ended = child.poll() is not None
        for report in reader.new_reports():
            relay(report, callbacks)
        if ended:
            return
        if cancelled_at is None and should_cancel is not None and should_cancel():
            cancelled_at = time.monotonic()
            control.stop()
        if cancelled_at is not None and time.monotonic() - cancelled_at > CANCEL_GRACE_S:
            _end(child)
            return
        word = STOP if control.stop_requested else PAUSE if control.paused else RUN
        if word != said:
            write_control(control_file, word)
            said = word
        time.sleep(POLL_S)


def _end(child) -> None:
    """Ends the child: SIGTERM, which torchrun passes on to its training processes, then SIGKILL."""
    child.terminate()
    try:
        child.wait(CANCEL_GRACE_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _child_error(errors: str, returncode: int) -> str:
    """The child's own `error: ...` line, else its last line, as a sentence."""
    lines = [line.strip() for line in (errors or "").splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("error: "):
            return line[len("error: "):]
    detail = f" Its last words: {lines[-1]}" if lines else ""
    return f"The training processes ended without saving a run (exit code {returncode}).{detail}"
