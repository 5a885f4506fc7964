"""`workbench train PROJECT`: trains headless with a progress bar on stderr and writes the trained project (the
same run record and weights files as the app). Ctrl-C stops the run gracefully and keeps it; a second one aborts."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from workbench import PROJECT_SUFFIX
from workbench.cli.common import add_data_arguments, add_json_flag, load_project_arg, print_json
from workbench.core.errors import WorkbenchError
from workbench.core.training.callbacks import Callback, format_duration

BAR_WIDTH = 24
REDRAW_S = 0.1


def add_parser(subparsers):
    parser = subparsers.add_parser("train", help="train a project's network and save the trained project")
    parser.add_argument("project", metavar="PROJECT", help="project file or template name")
    add_data_arguments(parser)
    parser.add_argument("--epochs", type=int, metavar="N", help="train for N epochs (overrides the project)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="where to train (default: the "
                        "project's choice, normally auto: CUDA, then Apple MPS, then the CPU)")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="CPU threads for PyTorch (default: 1 on a machine with 2 cores or fewer, where more "
                             "threads were measured to collapse under other load; else PyTorch's default)")
    parser.add_argument("--resume", metavar="RUN_ID", help="continue a stopped run from its last epoch")
    parser.add_argument("--out", metavar="PROJECT_OUT.wbproj",
                        help="write the trained project here (default: over PROJECT; for a template, "
                             f"TEMPLATE{PROJECT_SUFFIX} in the current folder)")
    add_json_flag(parser)
    return parser


class TerminalProgress(Callback):
    """A one-line progress bar on stderr (a line per epoch when stderr is not a terminal)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last_draw = 0.0
        self.last_loss = float("nan")

    def on_fit_start(self, trainer, info):
        where = "in memory" if info.in_memory else "streamed from disk"
        self._line(f"Training on {info.device}: {info.train_samples:,} training and {info.val_samples:,} "
                   f"validation samples ({where}), {info.batches_per_epoch} batches per epoch.")
        for note in info.notes:
            self._line(note)

    def on_progress(self, trainer, info):
        if len(info.batch_losses):
            self.last_loss = float(info.batch_losses[-1])
        now = time.monotonic()
        if not self.tty or now - self.last_draw < REDRAW_S:
            return
        self.last_draw = now
        filled = int(BAR_WIDTH * info.fraction)
        eta = format_duration(info.eta_s)
        self.stream.write(f"\r epoch {info.epoch + 1}/{info.epochs} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
                          f"{info.fraction:4.0%}  loss {self.last_loss:.4f}  {info.samples_per_s:,.0f} samples/s  "
                          f"ETA {eta} ")
        self.stream.flush()

    def on_epoch_end(self, trainer, info):
        figures = "  ".join(f"{k} {v:.4f}" for k, v in info.metrics.items()
                            if k not in ("epoch", "lr", "time_s"))
        self._line(f"epoch {info.epoch + 1}/{info.epochs}  {figures}{'  *' if info.improved else ''}")

    def _line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()


def default_threads() -> int | None:
    """1 on small machines (see --threads), else None for PyTorch's own choice."""
    return 1 if (os.cpu_count() or 1) <= 2 else None


def output_path(project, out: str | None) -> Path:
    """Where the trained project goes: --out, else the project file itself; a template is never overwritten."""
    from workbench.core.project import TEMPLATES_DIR

    if out:
        return Path(out).resolve()
    if project.path is None or Path(project.path).resolve().parent == TEMPLATES_DIR.resolve():
        stem = Path(project.path).stem if project.path else "project"
        return (Path.cwd() / f"{stem}{PROJECT_SUFFIX}").resolve()
    return Path(project.path).resolve()


def run(args) -> int:
    from workbench.core.project import save_project
    from workbench.core.training import RunControl, TrainingSettings
    from workbench.core.training.project_data import project_dataset
    from workbench.core.training.runs import add_or_replace_run, train_project

    project = load_project_arg(args.project, args.data, args.target, args.ignore)
    dataset = project_dataset(project)
    out = output_path(project, args.out)
    overrides = {}
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    if args.device:
        overrides["device"] = args.device
    settings = TrainingSettings.from_dict({**project.training, **overrides})
    if args.threads is not None and args.threads < 1:
        raise WorkbenchError("--threads must be 1 or more.")
    threads = args.threads if args.threads is not None else default_threads()

    control = RunControl()
    callbacks = [] if args.json and not sys.stderr.isatty() else [TerminalProgress()]
    previous = signal.getsignal(signal.SIGINT)

    def stop_on_interrupt(signum, frame):
        print("\nStopping after this batch (press Ctrl-C again to abort)...", file=sys.stderr)
        control.stop()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, stop_on_interrupt)
    try:
        outcome = train_project(project, dataset, out.parent, settings=settings, callbacks=callbacks,
                                control=control, num_threads=threads, resume_run=args.resume)
    finally:
        signal.signal(signal.SIGINT, previous)
    record = outcome.record
    add_or_replace_run(project, record)
    save_project(project, out)
    summary = {"project": str(out), "run": record["id"], "status": record["status"], "message": record["message"],
               "epochs_done": record["epochs_done"], "device": record["device"],
               "duration_s": record["duration_s"], "samples_per_s": record["samples_per_s"],
               "test": record["metrics"].get("test", {}), "val": record["metrics"].get("val", {}),
               "weights": record["weights"], "warnings": record["warnings"]}
    if args.json:
        print_json(summary)
    else:
        print(record["message"])
        for split in ("val", "test"):
            figures = record["metrics"].get(split)
            if figures:
                print(f"{split:>4}: " + "  ".join(f"{k} {v:.4f}" for k, v in figures.items()))
        for warning in record["warnings"]:
            print(f"warning: {warning}")
        print(f"Saved the trained project to {out}" + (f" (weights: {record['weights']})" if record["weights"]
                                                       else ""))
    return 0 if outcome.result.ok else 1
