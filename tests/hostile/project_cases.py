"""The battery's project-file cases: one line per bad project file, run through `load_project` and through the four
commands that open one (`workbench validate`, `train`, `evaluate`, `export`), so each line makes five cases.

Each input starts from a copy of a small trained project (hostile_inputs.trained_project: p.json, its run's weights
and a variant) and changes its file. What must happen:

  refused(pattern)  `load_project` raises a one-line WorkbenchError matching the pattern; `workbench validate`
                    exits 1 and the other commands exit 2, each printing that message once on an ``error:`` line
  warned(pattern)   the project opens; `storage.paths_outside` names the file outside the project's folder, and every
                    command prints a ``warning:`` line naming it and does its work (exit 0)
  accepted()        the project opens and every command works (exit 0)

In a pattern, FOLDER stands for the case's folder. ``keeps`` checks what must survive (a newer minor version's extra
fields): in the loaded project, and in the project `workbench train` writes.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

from battery_cases import Case, Outcome, accepted, exits, refused, warned
from hostile_inputs import trained_project, trained_project_dict, trained_weights_file

COMMANDS = ("validate", "train", "evaluate", "export")


def command_line(command: str, project: str) -> list[str]:
    """The command's arguments on `project`; OUT stands for a folder outside the case's, where results may go."""
    return {"validate": ["validate", project],
            "train": ["train", project, "--epochs", "1", "--threads", "1", "--device", "cpu", "--out", "OUT/p.json"],
            "evaluate": ["evaluate", project, "--device", "cpu"],
            "export": ["export", project, "--out", "OUT/export"]}[command]


# ------------------------------------------------------------------------------------------------- inputs

def project(change=None, text=None, at: str = ""):
    """The trained project copied into ``folder/at``, its p.json rewritten: ``change(data)`` edits the parsed JSON
    in place (or returns new data); ``text(original) -> str | bytes`` replaces the file's text."""
    def make(folder: Path) -> Path:
        path = trained_project(folder / at if at else folder)
        data = trained_project_dict()
        if change is not None:
            data = change(data) or data
        content = json.dumps(data, indent=1)
        if text is not None:
            content = text(content)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path
    return make


def special(kind: str):
    """p.json made something other than a regular file."""
    def make(folder: Path) -> Path:
        path = folder / "p.json"
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "folder":
            path.mkdir()
        elif kind == "link loop":
            path.symlink_to("p.json")
        elif kind == "sparse":           # 200 MB that take no room on disk
            with open(path, "wb") as f:
                f.truncate(200_000_000)
        return path
    return make


def device(path: str):
    return lambda folder: Path(path)


def put(where: str, value):
    """Sets ``data[a][b]...`` for the path ``a.b...`` (integers index lists)."""
    def change(data):
        *parents, last = [int(k) if k.isdigit() else k for k in where.split(".")]
        target = data
        for key in parents:
            target = target[key]
        target[last] = value
    return change


def newer_minor(data):
    data["minor"] = 7
    data["future_section"] = {"kept": True}
    data["runs"][0]["future_field"] = "kept too"


def keeps_future_fields(text: str) -> bool:
    data = json.loads(text)
    return data.get("future_section") == {"kept": True} and data["runs"][0].get("future_field") == "kept too"


def with_dataset_outside(folder: Path) -> Path:
    """The project four folders down, its data ``../../../../outside.csv``: a file the case made in its folder."""
    lines = ["a,b,c,d,label"] + [f"{i % 5 * 0.7},{i % 3},{(i * 7) % 11 / 3:.2f},{i % 4},{'xyz'[i % 3]}"
                                 for i in range(60)]
    (folder / "outside.csv").write_text("\n".join(lines) + "\n")
    return project(put("dataset", {"source": "csv", "path": "../../../../outside.csv", "options": {}}),
                   at="a/b/c/d")(folder)


def with_weights_outside(folder: Path) -> Path:
    """The project one folder down, starting its runs from ``../start.safetensors``, made in the case's folder."""
    (folder / "start.safetensors").write_bytes(trained_weights_file().read_bytes())
    return project(put("training.init_from", {"weights": "../start.safetensors"}), at="inner")(folder)


def nested(depth: int) -> str:
    return '{"format": "workbench-project", "version": 2, "deep": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


@functools.lru_cache(maxsize=1)
def million_nodes(original: str) -> str:
    data = json.loads(original)
    data["graph"]["nodes"] = [{"id": f"n{i}"} for i in range(1_000_000)]
    return json.dumps(data, separators=(",", ":"))


def to_latin_1(original: str) -> bytes:
    return original.replace('"name": "Tabular MLP"', '"name": "Caf\u00e9 MLP"').encode("latin-1")


@dataclass(frozen=True)
class ProjectInput:
    name: str
    make: object            # make(folder) -> the project file's path
    expect: Outcome         # of load_project (refused / warned / accepted)
    command_pattern: str | None = None  # what the commands print, when it differs from load_project's message
    keeps: object = None    # keeps(project file text) -> bool: what the saved project must still hold


INPUTS = [
    ProjectInput("malformed JSON", project(text=lambda t: t[:len(t) // 2]),
                 refused(r"^p.json: This is not a Workbench project: it is not valid JSON \(.* at line \d+, "
                         r"column \d+\)\.$")),
    ProjectInput("JSON, but not an object", project(text=lambda t: "[1, 2, 3]"),
                 refused(r"the file holds JSON, but not an object")),
    ProjectInput("an empty file", project(text=lambda t: ""), refused(r"^p.json: The file is empty\.$")),
    ProjectInput("a run's metrics of the wrong type", project(put("runs.0.metrics", "oops")),
                 refused(r"runs\[0\]\.metrics: expected an object, got the text 'oops'")),
    ProjectInput("a run's epochs as text", project(put("runs.0.epochs_done", "three")),
                 refused(r"runs\[0\]\.epochs_done: expected a whole number")),
    ProjectInput("runs not a list", project(put("runs", {"0": "x"})),
                 refused(r"runs: expected a list of run records")),
    ProjectInput("a variant's size of the wrong type", project(put("variants.0.size_bytes", "big")),
                 refused(r"variants\[0\]\.size_bytes: expected a whole number")),
    ProjectInput("a variant's files as a number", project(put("variants.0.files", 12)),
                 refused(r"variants\[0\]\.files: expected an object")),
    ProjectInput("variants not a list", project(put("variants", "none")),
                 refused(r"variants: expected a list of variant records")),
    ProjectInput("a layer type that does not exist", project(put("graph.nodes.2.type", "Teleporter")),
                 refused(r"Teleporter")),
    ProjectInput("a wire to a layer that does not exist", project(put("graph.edges.0.to", "ghost")),
                 refused(r"ghost")),
    ProjectInput("training epochs as text", project(put("training.epochs", "many")),
                 refused(r"training\.epochs: must be a whole number from 1 to 100000 \(got 'many'\)")),
    ProjectInput("a newer major version", project(put("version", 3)),
                 refused(r"saved by a newer Workbench \(file format 3; this version reads up to 2\)\. Update")),
    ProjectInput("a newer minor version, with fields it adds", project(newer_minor), accepted(),
                 keeps=keeps_future_fields),
    ProjectInput("a pipe (FIFO)", special("fifo"), refused(r"'FOLDER/p.json' is not a file but a pipe")),
    ProjectInput("/dev/zero", device("/dev/zero"), refused(r"^'/dev/zero' is not a file but a device")),
    ProjectInput("a 200 MB sparse file", special("sparse"),
                 refused(r"^'p.json' is 200 MB, far larger than a project file can be \(64 MB at most\)")),
    ProjectInput("a symbolic link to itself", special("link loop"),
                 refused(r"^'FOLDER/p.json' could not be read: Too many levels of symbolic links\.$")),
    ProjectInput("a folder", special("folder"), refused(r"^'FOLDER/p.json' is a folder, not a project file\.$")),
    ProjectInput("a UTF-8 byte-order mark", project(text=lambda t: "\ufeff" + t), accepted()),
    ProjectInput("Latin-1 text", project(text=to_latin_1),
                 refused(r"is text, but not UTF-8, .* the byte 0xE9 at line \d+, column \d+ is not UTF-8")),
    ProjectInput("UTF-16 text", project(text=lambda t: t.encode("utf-16")), accepted()),
    ProjectInput("JSON nested 100,000 deep", project(text=lambda t: nested(100_000)),
                 refused(r"its JSON is nested too deeply")),
    ProjectInput("a NaN literal", project(text=lambda t: t.replace('"learning_rate": 0.001', '"learning_rate": NaN')),
                 refused(r"it contains NaN, which JSON does not allow")),
    ProjectInput("an Infinity literal", project(text=lambda t: t.replace('"momentum": 0.9', '"momentum": Infinity')),
                 refused(r"it contains Infinity, which JSON does not allow")),
    ProjectInput("a million layers", project(text=million_nodes),
                 refused(r"holds more entries than any project can \(at most [\d,]+ layers")),
    ProjectInput("data at ../../../../outside.csv", with_dataset_outside, warned(r"^reads FOLDER/outside\.csv$"),
                 command_pattern=r"warning: p\.json reads FOLDER/outside\.csv, which is outside its folder\."),
    ProjectInput("weights to start from outside", with_weights_outside,
                 warned(r"^reads FOLDER/start\.safetensors$"),
                 command_pattern=r"warning: p\.json reads FOLDER/start\.safetensors, which is outside its folder\."),
]


def command_cases(item: ProjectInput) -> list[Case]:
    """The item's cases for the four commands (see the module docstring)."""
    cases = []
    for command in COMMANDS:
        def make(folder: Path, command=command) -> list[str]:
            return command_line(command, str(item.make(folder)))
        if item.expect.kind == "refused":  # an error line (indented under the file's name by validate)
            message = item.expect.pattern
            pattern = r"^\s*error: " + (message[1:] if message.startswith("^") else ".*" + message)
            expect = exits(1 if command == "validate" else 2, pattern)
        else:
            keeps = item.keeps if command == "train" else None
            expect = exits(0, item.command_pattern, check=(lambda ran, out, keeps=keeps:
                                                           keeps((out / "p.json").read_text())) if keeps else None)
        cases.append(Case(f"workbench {command}", item.name, make, expect))
    return cases


CASES = [Case("project file", item.name, item.make, item.expect if item.keeps is None else
              Outcome(item.expect.kind, item.expect.pattern, check=lambda opened, out, keeps=item.keeps:
                      keeps(project_text(opened.project))))
         for item in INPUTS] + [case for item in INPUTS for case in command_cases(item)]


def project_text(project) -> str:
    from workbench.core.project.file_format import project_text as text

    return text(project)
