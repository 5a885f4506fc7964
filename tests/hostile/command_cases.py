"""The battery's cases for the command line beyond bad project files: numeric options out of range, the import
report's notes with ``--data``, a result file another program changes while the command runs, export folders that
hold the user's own files, and stop signals sent to a training run.

Each case gives the command's arguments (OUT stands for a folder outside the case's folder, where a command may
write; `out_of(folder)` is that folder while a case is made) and ``exits(status, pattern, check)``: the exit
status, a pattern a line of the output matches, and ``check(ran, out)``, what else must hold afterwards (``ran``:
status, stdout, stderr). A `Command` may also act while the command runs: when a line of its stderr first matches
``when``, ``then(out)`` is called (another program writing the file, a signal). The commands run in this process
(`workbench.cli.run_command`); test_training_cli.py sends the same signals to a `workbench train` process of its own.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
from dataclasses import dataclass
from pathlib import Path

import project_cases
from battery_cases import Case, exits
from hostile_inputs import trained_project

# ------------------------------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Command:
    argv: list
    when: str | None = None     # a pattern of a stderr line ...
    then: object = None         # ... at whose first match then(out) runs


def out_of(folder: Path) -> Path:
    """OUT while the case's folder is `folder` (the runner makes it beside)."""
    return folder.parent / "out"


def on_project(*args: str, name: str = "p.json"):
    """The command on a copy of the small trained project, which replaces PROJECT in `args`."""
    def make(folder: Path) -> list[str]:
        path = trained_project(folder, name)
        return [str(path) if a == "PROJECT" else a for a in args]
    return make


def train(*args: str) -> tuple[str, ...]:
    return ("train", "PROJECT", "--threads", "1", "--device", "cpu", *args)


THEIRS = b"their version, written while the command ran\n"


def changed_meanwhile(*args: str, when: str, own_file: bool = False):
    """The command writes OUT/p.json (with ``own_file``: the project is OUT/p.json itself); another program writes
    that file when a stderr line matches `when`."""
    def make(folder: Path) -> Command:
        if own_file:
            path = trained_project(out_of(folder))
        else:
            path = trained_project(folder)
            (out_of(folder) / "p.json").write_bytes(path.read_bytes())  # the file --out will replace
        return Command([str(path) if a == "PROJECT" else a for a in args], when,
                       lambda out: (out / "p.json").write_bytes(THEIRS))
    return make


def saved_beside(kind: str):
    """Theirs kept, ours saved as OUT/p.<run or variant>.json holding the new run or variant."""
    def check(ran, out: Path) -> bool:
        from workbench.core.project import load_project

        beside = [p for p in out.glob("p.*.json")]
        if (out / "p.json").read_bytes() != THEIRS or len(beside) != 1:
            return False
        project = load_project(beside[0])
        return (len(project.runs) == 2 and beside[0].name == f"p.{project.runs[-1].id}.json" if kind == "run" else
                len(project.variants) == 3 and beside[0].name == f"p.{project.variants[-1].name}.json")
    return check


def export_into(files: dict, earlier_export_edited: bool = False, folder_outside: bool = False):
    """`workbench export` into a folder ``mine`` that holds `files` (name -> text, a link for None); with
    ``earlier_export_edited``, Workbench exported there before and the user edited its model card since."""
    def make(folder: Path) -> list[str]:
        path = trained_project(folder)
        mine = (out_of(folder) if folder_outside else folder) / "mine"
        mine.mkdir()
        if earlier_export_edited:
            from workbench.core.project import actions

            actions.export_project(actions.open_project(path), mine)
            with open(mine / "model_card.md", "a", encoding="utf-8") as f:
                f.write("\nMy own notes on this model.\n")
        for name, content in files.items():
            if content is None:
                (mine / name).symlink_to("/etc/hostname")
            else:
                (mine / name).write_text(content)
        return ["export", str(path), "--out", str(mine)]
    return make


def user_file_kept(ran, out: Path) -> bool:
    return (out / "mine" / "notes.txt").read_text() == "mine\n" and (out / "mine" / "model.onnx").is_file()


def send(signum: int):
    return lambda out: os.kill(os.getpid(), signum)


def stopped_by(signum: int, when: str = r"^epoch 1/"):
    """`workbench train` for 100,000 epochs, sent `signum` when a stderr line matches `when`."""
    def make(folder: Path) -> Command:
        path = trained_project(folder)
        return Command(["train", str(path), "--epochs", "100000", "--threads", "1", "--device", "cpu", "--out",
                        "OUT/p.json"], when, send(signum))
    return make


def run_kept(epochs_done: int):
    """The stopped run saved in OUT/p.json with at least `epochs_done` epochs and weights that exist and load."""
    def check(ran, out: Path) -> bool:
        from workbench.core.build import build_module
        from workbench.core.project import load_project
        from workbench.core.training.weights import load_weights

        project = load_project(out / "p.json")
        record = project.runs[-1]
        if len(project.runs) != 2 or record.status != "stopped" or record.epochs_done < epochs_done:
            return False
        if not record.files.weights or not all((out / p).is_file() for p in record.files.paths()):
            return False
        load_weights(build_module(record.graph_snapshot(project.graph)), out / record.files.weights)
        return True
    return check


def trained_elsewhere(folder: Path) -> list[str]:
    """The project in ``folder/inner`` starts its runs from ``../start.safetensors``; `workbench train --out`
    saved it into OUT once; the command trains that saved project again."""
    from workbench.cli import run_command

    path = project_cases.with_weights_outside(folder)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert run_command(["train", str(path), "--epochs", "1", "--threads", "1", "--device", "cpu", "--out",
                            str(out_of(folder) / "p.json")]) == 0
    return ["train", "OUT/p.json", "--epochs", "1", "--threads", "1", "--device", "cpu"]


def notes_csv(folder: Path) -> Path:
    """A table with a repeated header name and a column of weights with 12 % junk cells."""
    lines = ["x,x,weight,label"] + [f"{i % 5},{i % 3},{'unknown' if i % 8 == 3 else f'{50 + i * 0.7:.1f}'},"
                                     f"{'ab'[i % 2]}" for i in range(80)]
    (folder / "d.csv").write_text("\n".join(lines) + "\n")
    return folder / "d.csv"


def with_data(*args: str):
    def make(folder: Path) -> list[str]:
        data = str(notes_csv(folder))
        return [data if a == "DATA" else a for a in args]
    return make


THREADS = r"error: argument --threads: must be from 1 to 256 \(this computer has \d+ cores; got {}\)"
EPOCHS = r"^error: training\.epochs: must be a whole number from 1 to 100000 \(got {}\)\.$"
FINE_TUNE = r"error: argument --epochs: must be a whole number from 1 to 100000 \(got {}\)"
OPSET = r"^error: The ONNX opset must be a whole number from 7 to 23 \(got {}\)\. 17 suits most uses\.$"
AMOUNT = r"^error: --amount must be between 0 and 1 for prune \(got {}\)\.$"
USERS_FILES = (r"^error: The folder 'FOLDER/mine' already has {}, which Workbench did not write there \(or which "
               r"w\w+ changed since\), so nothing was replaced\. Export into another folder, or allow replacing "
               r"them\. \(--overwrite replaces them\.\)$")
CHANGED = (r"^error: p\.json was changed by another program while this command ran, so it was not overwritten; the "
           r"result was saved to .*/out/p\.[\w-]+\.json\.$")
STOPPING = r"^Stopping after this batch and saving the run \((Ctrl-C|send it) again to abort\)\.\.\.$"

CASES = [
    # ------------------------------------------------------------------ numeric options
    Case("workbench options", "train --threads 0", on_project(*train("--threads", "0")), exits(2, THREADS.format(0))),
    Case("workbench options", "train --threads 100000", on_project(*train("--threads", "100000")),
         exits(2, THREADS.format(100000))),
    Case("workbench options", "train --threads many", on_project(*train("--threads", "many")),
         exits(2, r"error: argument --threads: expected a whole number of threads, got 'many'")),
    Case("workbench options", "export --threads 100000", on_project("export", "PROJECT", "--out", "OUT/x",
                                                                     "--threads", "100000"),
         exits(2, THREADS.format(100000))),
    Case("workbench options", "compress --threads 0", on_project("compress", "PROJECT", "--method", "fp16", "--out",
                                                                  "OUT/c.json", "--threads", "0"),
         exits(2, THREADS.format(0))),
    Case("workbench options", "bench --threads 100000", on_project("bench", "PROJECT", "--threads", "100000"),
         exits(2, THREADS.format(100000))),
    Case("workbench options", "train --epochs 0", on_project(*train("--epochs", "0")), exits(2, EPOCHS.format(0))),
    Case("workbench options", "train --epochs -1", on_project(*train("--epochs", "-1")), exits(2, EPOCHS.format(-1))),
    Case("workbench options", "train --epochs 1e9", on_project(*train("--epochs", "1e9")),
         exits(2, r"workbench train: error: argument --epochs: invalid int value: '1e9'")),
    Case("workbench options", "train --epochs 1000000000", on_project(*train("--epochs", "1000000000")),
         exits(2, EPOCHS.format(1000000000))),
    Case("workbench options", "compress --epochs 0", on_project("compress", "PROJECT", "--method", "prune",
                                                                 "--epochs", "0", "--out", "OUT/c.json"),
         exits(2, FINE_TUNE.format(0))),
    Case("workbench options", "compress --epochs -1", on_project("compress", "PROJECT", "--method", "prune",
                                                                  "--epochs", "-1", "--out", "OUT/c.json"),
         exits(2, FINE_TUNE.format(-1))),
    Case("workbench options", "compress --epochs 1e9", on_project("compress", "PROJECT", "--method", "prune",
                                                                   "--epochs", "1e9", "--out", "OUT/c.json"),
         exits(2, r"error: argument --epochs: expected a whole number of epochs, got '1e9'")),
    Case("workbench options", "export --opset 5", on_project("export", "PROJECT", "--out", "OUT/x", "--opset", "5"),
         exits(2, OPSET.format(5))),
    Case("workbench options", "export --opset 99", on_project("export", "PROJECT", "--out", "OUT/x", "--opset",
                                                              "99"), exits(2, OPSET.format(99))),
    Case("workbench options", "export --opset seventeen", on_project("export", "PROJECT", "--out", "OUT/x",
                                                                     "--opset", "seventeen"),
         exits(2, r"error: argument --opset: invalid int value: 'seventeen'")),
    Case("workbench options", "compress --amount 1.5", on_project("compress", "PROJECT", "--method", "prune",
                                                                  "--amount", "1.5", "--out", "OUT/c.json"),
         exits(2, AMOUNT.format(r"1\.5"))),
    Case("workbench options", "compress --amount -1", on_project("compress", "PROJECT", "--method", "prune",
                                                                 "--amount", "-1", "--out", "OUT/c.json"),
         exits(2, AMOUNT.format(-1))),
    Case("workbench options", "compress --amount nan", on_project("compress", "PROJECT", "--method", "prune",
                                                                  "--amount", "nan", "--out", "OUT/c.json"),
         exits(2, AMOUNT.format("nan"))),
    Case("workbench options", "compress --amount inf", on_project("compress", "PROJECT", "--method", "prune",
                                                                  "--amount", "inf", "--out", "OUT/c.json"),
         exits(2, AMOUNT.format("inf"))),
    Case("workbench options", "an amount for a method without one",
         on_project("compress", "PROJECT", "--method", "int8-dynamic", "--amount", "0.5", "--out", "OUT/c.json"),
         exits(2, r"^error: Dynamic INT8 takes no amount\.$")),
    # ------------------------------------------------------------------ the import report with --data
    Case("workbench --data", "validate prints the notes", with_data("validate", "mlp", "--data", "DATA"),
         exits(0, r"^note: The header repeats column names \('x' twice\); the repeats are called 'x \(2\)'")),
    Case("workbench --data", "train prints the notes", with_data("train", "mlp", "--data", "DATA", "--epochs", "1",
                                                               "--threads", "1", "--out", "OUT/t.json"),
         exits(0, r"^note: Column 'weight': numbers, .*10 values that are not numbers \('unknown'; rows 5, 13")),
    # ------------------------------------------------------------------ changed on disk meanwhile
    Case("workbench changed on disk", "train --out changed meanwhile",
         changed_meanwhile(*train("--epochs", "1", "--out", "OUT/p.json"), when=r"^epoch 1/"),
         exits(1, CHANGED, check=saved_beside("run"))),
    Case("workbench changed on disk", "train over its own file, changed meanwhile",
         changed_meanwhile(*train("--epochs", "1"), when=r"^epoch 1/", own_file=True),
         exits(1, CHANGED, check=saved_beside("run"))),
    Case("workbench changed on disk", "compress --out changed meanwhile",
         changed_meanwhile("compress", "PROJECT", "--method", "fp16", "--out", "OUT/p.json", when=r"Converting"),
         exits(1, CHANGED, check=saved_beside("variant"))),
    Case("workbench saved elsewhere", "its weights to start from are still found",
         trained_elsewhere, exits(0, r"warning: p\.json reads FOLDER/start\.safetensors, which is outside its")),
    # ------------------------------------------------------------------ export folders with the user's files
    Case("workbench export folder", "the user's model_card.md", export_into({"model_card.md": "# Mine\n"}),
         exits(2, USERS_FILES.format(r"model_card\.md"))),
    Case("workbench export folder", "the user's labels.txt and predict.py",
         export_into({"labels.txt": "cat\n", "predict.py": "print('mine')\n"}),
         exits(2, USERS_FILES.format(r"labels\.txt, predict\.py"))),
    Case("workbench export folder", "a link named model.onnx", export_into({"model.onnx": None}),
         exits(2, USERS_FILES.format(r"model\.onnx"))),
    Case("workbench export folder", "an earlier export, its card edited since",
         export_into({}, earlier_export_edited=True), exits(2, USERS_FILES.format(r"model_card\.md"))),
    Case("workbench export folder", "the user's other files are left alone",
         export_into({"notes.txt": "mine\n"}, folder_outside=True), exits(0, r"^Exported to ", check=user_file_kept)),
    # ------------------------------------------------------------------ stop signals to a training run
    Case("workbench signals", "SIGTERM after the first epoch", stopped_by(signal.SIGTERM),
         exits(143, STOPPING, check=run_kept(1))),
    Case("workbench signals", "SIGHUP after the first epoch", stopped_by(signal.SIGHUP),
         exits(129, STOPPING, check=run_kept(1))),
    Case("workbench signals", "SIGINT after the first epoch", stopped_by(signal.SIGINT),
         exits(130, STOPPING, check=run_kept(1))),
    Case("workbench signals", "SIGTERM before an epoch ended", stopped_by(signal.SIGTERM, r"^Training on"),
         exits(143, STOPPING, check=run_kept(0))),
]
