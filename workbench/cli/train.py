"""`workbench train PROJECT`: trains headless with a progress bar on stderr and writes the trained project (the
same run record and weights files as the app). Ctrl-C, SIGTERM and SIGHUP stop the run gracefully, save it and exit
with 130, 143 or 129; a second one aborts. A project file that another program changed meanwhile is not
overwritten: the trained project goes beside it.

With ``--nproc-per-node N`` (and ``--nnodes``, ``--node-rank``, ``--rdzv-endpoint`` for several machines) the run
is handed to `torchrun` (`torch.distributed.run`), which starts N processes of this same command that train
together (DistributedDataParallel; training/distributed.py); the command started by `torchrun` itself (`torchrun
... -m workbench train PROJECT`) does the same. Only rank 0 shows progress and writes the trained project.

A project whose "GPUs to use" (``training.gpus``) is more than one trains so too, on a machine with several GPUs.

``--feed FILE`` and ``--control FILE`` let another program follow the run (the app, training on several GPUs):
rank 0 writes its progress to the feed, and every process pauses, resumes or stops as the control file says."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from workbench import PROJECT_SUFFIX, PROJECT_SUFFIXES
from workbench.cli.common import (add_data_arguments, add_json_flag, add_threads_argument, load_project_with_data,
                                  output_state, print_json, save_result)
from workbench.core.device import cuda_devices
from workbench.core.errors import WorkbenchError
from workbench.core.project import actions, is_template
from workbench.core.project.data import fit_untrained_graph
from workbench.core.project.storage import WeightsNotSavedError
from workbench.core.project.train import transfer_lines
from workbench.core.training.callbacks import Callback, RunControl, format_duration
from workbench.core.training.distributed import (LaunchPlan, finish, launch, launched_ranks, leave_together,
                                                 write_failure)
from workbench.core.training.run_feed import FeedWriter, watch_control_file
from workbench.core.training.settings import MONITORS

BAR_WIDTH = 24
REDRAW_S = 0.1


def add_parser(subparsers):
    parser = subparsers.add_parser("train", help="train a project's network and save the trained project")
    parser.add_argument("project", metavar="PROJECT", help="project file or template name")
    add_data_arguments(parser)
    parser.add_argument("--epochs", type=int, metavar="N", help="train for N epochs (overrides the project)")
    parser.add_argument("--monitor", choices=MONITORS, help="the validation figure that decides the best epoch and "
                        "early stopping (overrides the project; val_f1_micro and val_exact_match are multi-label "
                        "figures)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="where to train (default: the "
                        "project's choice, normally auto: CUDA, then Apple MPS, then the CPU)")
    add_threads_argument(parser, None, "CPU threads for PyTorch (default: 1 on a machine with 2 cores or fewer, where "
                                       "more threads were measured to collapse under other load; else PyTorch's "
                                       "default)")
    parser.add_argument("--resume", metavar="RUN_ID", help="continue a stopped run from its last epoch")
    parser.add_argument("--init-from", metavar="SOURCE",
                        help="start from trained weights, matched layer by layer by name and shape: a run id of this "
                             f"project, another project file ({PROJECT_SUFFIX}, its latest run) or a .safetensors "
                             "weights file; what was loaded, partly loaded and skipped is printed")
    parser.add_argument("--out", metavar="PROJECT_OUT.wbproj",
                        help="write the trained project here (default: over PROJECT; for a template, "
                             f"TEMPLATE{PROJECT_SUFFIX} in the current folder)")
    group = parser.add_argument_group("several processes or machines (through torchrun)")
    group.add_argument("--nproc-per-node", type=int, metavar="N",
                       help="train with N processes on this machine (one per GPU; gloo on CPUs)")
    group.add_argument("--nnodes", type=int, default=1, metavar="M", help="machines taking part (default 1)")
    group.add_argument("--node-rank", type=int, default=0, metavar="I", help="this machine's number, 0 to M-1")
    group.add_argument("--rdzv-endpoint", metavar="HOST:PORT",
                       help="where the machines meet: the first machine's address and a free port")
    follow = parser.add_argument_group("following the run from another program (what the app uses)")
    follow.add_argument("--feed", metavar="FILE", help="write the run's progress to FILE, one JSON line per report")
    follow.add_argument("--control", metavar="FILE",
                        help="pause, resume or stop the run when FILE says pause, run or stop")
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
    if out:
        return Path(out).resolve()
    if project.path is None or is_template(project.path):
        stem = Path(project.path).stem if project.path else "project"
        return (Path.cwd() / f"{stem}{PROJECT_SUFFIX}").resolve()
    return Path(project.path).resolve()


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def stopping_on_signals(control: RunControl, repeatable: bool = False):
    """Ctrl-C, SIGTERM (a shutdown, `kill`) and SIGHUP (the terminal closed) stop the run after the current batch,
    so that it is kept and saved; a second one of the same kind ends the program at once, unless `repeatable` (a
    process of a distributed run, which `torchrun` may signal more than once while rank 0 saves the run; it ends
    it for good 30 s later). Yields the list of the signals received."""
    received: list[int] = []
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}

    def stop(signum, frame):
        received.append(signum)
        what = "Ctrl-C again" if signum == signal.SIGINT else "send it again"
        print(f"\nStopping after this batch and saving the run ({what} to abort)...", file=sys.stderr)
        control.stop()
        if not repeatable:
            signal.signal(signum, previous[signum])

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def child_arguments(args, out: Path) -> list[str]:
    """The `workbench train` arguments each process started by `torchrun` gets (the same run, written to `out`)."""
    argv = ["train", args.project, "--out", str(out)]
    for flag, value in (("--data", args.data), ("--target", args.target), ("--ignore", args.ignore),
                        ("--epochs", args.epochs), ("--monitor", args.monitor), ("--device", args.device),
                        ("--threads", args.threads), ("--resume", args.resume), ("--init-from", args.init_from),
                        ("--feed", args.feed), ("--control", args.control)):
        if value is not None:
            argv += [flag, str(value)]
    for flag, columns in (("--categorical", args.categorical), ("--numeric", args.numeric)):
        if columns:
            argv += [flag, *columns]
    if args.text is not None:
        argv += ["--text", args.text]
    return argv + (["--json"] if args.json else [])


def init_source(text: str) -> dict:
    """--init-from SOURCE as `TrainingSettings.init_from`: a weights file, a project file or a run id."""
    path = Path(text).expanduser()
    if path.suffix.lower() == ".safetensors":
        return {"weights": str(path.resolve())}
    if path.suffix.lower() in PROJECT_SUFFIXES:
        return {"project": str(path.resolve())}
    return {"run": text}


def run(args) -> int:
    project, data_report = load_project_with_data(args.project, args)
    out = output_path(project, args.out)
    ranks = launched_ranks()
    if args.nproc_per_node is None and ranks is None:
        chosen = project.training.replaced(device=args.device) if args.device else project.training
        processes = chosen.gpu_processes(len(cuda_devices()))
        if processes > 1:  # the project's "GPUs to use", as the app does it
            print(f"Training on {processes} GPUs together, as the project chooses (--nproc-per-node 1 for one).",
                  file=sys.stderr)
            args.nproc_per_node = processes
    if args.nproc_per_node is not None and ranks is None:
        launch(LaunchPlan(args.nproc_per_node, args.nnodes, args.node_rank, args.rdzv_endpoint),
               child_arguments(args, out))
        return 0
    if ranks is None or ranks.world_size == 1:
        return train_here(args, project, out, None, data_report)
    try:
        code = train_here(args, project, out, ranks, data_report)
        if code == 0:
            leave_together()  # a process that failed leaves at once: the launcher then stops the others
        return code
    except WorkbenchError as exc:
        write_failure(str(exc))
        raise
    except Exception as exc:  # noqa: BLE001 - told to the launcher, which names this process and stops the others
        write_failure(f"{type(exc).__name__}: {exc}")
        print(f"error: process {ranks.rank + 1} of {ranks.world_size} failed: {exc}", file=sys.stderr)
        return 1
    finally:
        finish()


def run_not_saved(error: WorkbenchError, weights: str | None, out: Path) -> str:
    """The message when the trained project could not be written to `out` (`error`): what of the run is left on
    disk (`weights`, named from `out`'s folder) and what to do, since the run in memory ends with the command."""
    advice = "train again with --out in a folder that has free space and that you can write to."
    if isinstance(error, WeightsNotSavedError):
        unchanged = f"'{out}' is unchanged" if out.exists() else f"'{out}' was not written"
        return (f"The run finished but could not be saved: {error.reason} {unchanged} and nothing was left "
                f"half-written, but the run's weights were only in memory, so the run is lost; {advice}")
    where = out.parent / weights if weights else None
    if where is None or not where.is_file():
        return f"The run finished but could not be saved: {error} The run is lost; {advice}"
    return (f"The run finished but could not be saved: {error} The run is not in it, but its weights are kept in "
            f"'{where}' (a new run can start from them with --init-from). Free some space, or {advice}")


def train_here(args, project, out: Path, ranks, data_report: dict | None) -> int:
    """Trains in this process (one of several when `ranks` is given; only rank 0 reports and saves); `data_report`
    (the import's, with --data) goes into --json."""
    main = ranks is None or ranks.is_main
    out_state = output_state(project, out)
    if data_report is None and args.resume is None:  # --data fitted it already
        for sentence in fit_untrained_graph(project):
            if main:
                print(f"note: {sentence}", file=sys.stderr)
    overrides = {}
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    if args.monitor:
        overrides["monitor"] = args.monitor
    if args.device:
        overrides["device"] = args.device
    if args.init_from:
        overrides["init_from"] = init_source(args.init_from)
    settings = project.training.replaced(**overrides)
    threads = args.threads if args.threads is not None else default_threads()

    control = RunControl()
    callbacks = [] if (args.json and not sys.stderr.isatty()) or not main else [TerminalProgress()]
    if args.feed and main:
        callbacks.append(FeedWriter(args.feed))
    with contextlib.ExitStack() as signals:
        if args.control:
            signals.callback(watch_control_file(args.control, control).set)
        received = signals.enter_context(stopping_on_signals(control, repeatable=ranks is not None))
        outcome = actions.train_project(project, out.parent, settings=settings, callbacks=callbacks,
                                        control=control, num_threads=threads, resume_run=args.resume, ranks=ranks)
        if ranks is None:
            signals.close()  # from here a signal ends the program; `torchrun`'s must not stop rank 0 saving
        if not main:
            return 0 if outcome.result.ok else 1
        record = outcome.record
        outcome.add_to(project)
        try:
            saved = save_result(project, out, out_state, record.id)
        except WorkbenchError as exc:  # a full or read-only disk: the run ends with this process, say what is left
            raise WorkbenchError(run_not_saved(exc, record.files.weights, out)) from None
    summary = {"project": str(saved), "run": record.id, "status": record.status.value, "message": record.message,
               "epochs_done": record.epochs_done, "monitor": record.monitor, "device": record.device,
               "duration_s": record.duration_s, "samples_per_s": record.samples_per_s,
               "test": record.figures("test"), "val": record.figures("val"),
               "weights": record.files.weights, "warnings": record.warnings, "transfer": record.transfer}
    if data_report is not None:
        summary["data"] = data_report
    if ranks is not None:
        summary.update(processes=outcome.result.processes, identical_on_ranks=outcome.result.identical_on_ranks)
    if args.json:
        print_json(summary)
    else:
        print(record.message)
        if record.transfer:
            print("Started from earlier weights:")
            for line in transfer_lines(record.transfer):
                print(f"  {line}")
        for split in ("val", "test"):
            figures = record.figures(split)
            if figures:
                print(f"{split:>4}: " + "  ".join(f"{k} {v:.4f}" for k, v in figures.items()))
        for warning in record.warnings:
            print(f"warning: {warning}")
        print(f"Saved the trained project to {saved}" + (f" (weights: {record.files.weights})" if record.files.weights
                                                         else ""))
    if received:
        return 128 + received[0]  # the shell's convention for a program ended by a signal: 130, 143, 129
    return 0 if outcome.result.ok and saved == out else 1
