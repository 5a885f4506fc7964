"""The hostile-input battery: every case of battery_cases.py, project_cases.py and command_cases.py gets its
outcome, leaves its files as they were, raises no warning and shows no traceback; the memory cases stay within
their bound; the full and read-only disks of disk_cases.py hold afterwards what they held before."""

from __future__ import annotations

import contextlib
import gc
import io
import re
import subprocess
import sys
import warnings
from types import SimpleNamespace

import command_cases
import disk_cases
import project_cases
import pytest
from battery_cases import CASES as READER_CASES
from battery_cases import MEMORY_CASES
from command_cases import Command
from disk_cases import OLD_PROJECT
from hostile_inputs import (PEAK_RSS, array_export, fill_disk, image_export, mount_tmpfs, remount_read_only,
                            run_predict_measured, table_export, tiny_module, tokens_export, trained_project,
                            tree_digest, unmount)

from workbench.cli import run_command
from workbench.core.errors import WorkbenchError
from workbench.core.export import predict_script
from workbench.core.project.storage import load_project, paths_outside

CASES = READER_CASES + project_cases.CASES + command_cases.CASES


def import_dataset(source: str):
    def run(path):
        from workbench.core.data import DatasetSpec, load_dataset

        return load_dataset(DatasetSpec(source=source, path=str(path)))
    return run


def data_argument(path):
    from workbench.core.data import resolve_data_argument

    return resolve_data_argument(str(path))


def load_weights_file(path):
    from workbench.core.training.weights import load_weights

    _, module = tiny_module()
    load_weights(module, path)


def open_project_file(path):
    """The project, and as its report the files it reads outside its folder (which the app asks about)."""
    project = load_project(path)
    return SimpleNamespace(project=project, report=[f"reads {p}" for p in paths_outside(project)])


ENTRIES = {
    "project file": open_project_file,
    "csv": import_dataset("csv"),
    "images": import_dataset("images"),
    "npz": import_dataset("npz"),
    "idx": import_dataset("idx"),
    "data argument": data_argument,
    "weights": load_weights_file,
}


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    table, _ = table_export(folder / "table")
    return {"TABLE": table / "model.onnx", "IMAGE": image_export(folder / "image") / "model.onnx",
            "ARRAY": array_export(folder / "array") / "model.onnx",
            "TOKENS": tokens_export(folder / "tokens") / "model.onnx"}


def run_predict(argv: list, models: dict) -> tuple[int, str, str]:
    """predict.py's main in this process (the subprocess runs are in test_predict_script_hostile.py)."""
    model, *args = argv
    if model != "NONE":
        args += ["--model", str(models[model])]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = predict_script.main(args)
        except SystemExit as exc:           # argparse refusing an option
            status = exc.code
    return status, out.getvalue(), err.getvalue()


class WatchedStream(io.StringIO):
    """stderr of a command: when a line first matches `when`, calls `then(out)` (another program acting while the
    command runs); a command still writing many lines after that is stopped with a failure (a signal ignored)."""

    LINES_AFTER = 100

    def __init__(self, when: str | None, then, out):
        super().__init__()
        self.when, self.then, self.out = when, then, out
        self.fired_at = None

    def write(self, text: str) -> int:
        written = super().write(text)
        lines = self.getvalue().count("\n")
        if self.fired_at is None and self.when and re.search(self.when, self.getvalue(), re.M):
            self.fired_at = lines
            self.then(self.out)
        elif self.fired_at is not None and lines > self.fired_at + self.LINES_AFTER:
            raise AssertionError(f"still running {self.LINES_AFTER} lines after {self.when!r}:\n{self.getvalue()}")
        return written


def run_workbench(command, out) -> tuple[int, str, str]:
    """A `workbench` command in this process, OUT in its arguments replaced by `out`: (status, stdout, stderr)."""
    if not isinstance(command, Command):
        command = Command(command)
    argv = [str(out) + a[3:] if a == "OUT" or a.startswith("OUT/") else a for a in command.argv]
    stdout, stderr = io.StringIO(), WatchedStream(command.when, command.then, out)
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = run_command(argv)
        except SystemExit as exc:           # argparse refusing an option
            status = exc.code
    return status, stdout.getvalue(), stderr.getvalue()


def check_command(ran: tuple[int, str, str], expect, pattern: str | None) -> None:
    """Its exit status, a line matching `pattern`, no traceback, at most one line of error (said once)."""
    status, out, err = ran
    both = out + err
    assert "Traceback" not in both, both
    assert status == expect.status, both
    if pattern is not None:
        assert re.search(pattern, both, re.M), both
    assert len(re.findall(r"^\s*(workbench \w+: )?error: ", both, re.M)) <= 1, both


def as_params(cases):
    """The cases for parametrize: a known defect is a strict xfail (it fails until fixed, then says so)."""
    return [pytest.param(c, id=f"{c.entry}: {c.name}",
                         marks=[pytest.mark.xfail(reason=c.known_defect, strict=True)] if c.known_defect else [])
            for c in cases]


@pytest.mark.parametrize("case", as_params(CASES))
def test_hostile_input(case, tmp_path, models):
    folder, out = tmp_path / "case", tmp_path / "out"      # the case's files; where commands may write
    folder.mkdir()
    out.mkdir()
    arg = case.make(folder)
    before = tree_digest(folder)
    expect = case.expect
    pattern = expect.pattern.replace("FOLDER", re.escape(str(folder))) if expect.pattern else expect.pattern
    result = None
    gc.freeze()         # the collection below then looks at the case's own objects only (a full one takes 0.3 s)
    with warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always")
        if case.entry == "predict":
            status, stdout, err = run_predict(arg, models)
            assert "Traceback" not in err
            assert status == expect.status, err
            if pattern is None:
                assert err == ""
            else:
                assert re.search(pattern, err), err
            if status == 0:
                assert stdout.strip()
        elif case.entry.startswith("workbench"):
            result = run_workbench(arg, out)
            check_command(result, expect, pattern)
        elif expect.kind == "refused":
            with pytest.raises(WorkbenchError) as caught:
                ENTRIES[case.entry](arg)
            message = str(caught.value)
            del caught                              # its traceback would keep the failed call's files open
            assert "\n" not in message and re.search(pattern, message), message
        else:
            result = ENTRIES[case.entry](arg)
            if expect.kind == "warned":
                assert any(re.search(pattern, line) for line in result.report), result.report
        if expect.check is not None:
            assert expect.check(result, out), result
        gc.collect()                                # a file left open warns now, in the case that left it
    gc.unfreeze()
    assert [str(w.message) for w in raised] == []
    assert tree_digest(folder) == before            # nothing changed, nothing added (an unpickled trap adds a file)


MEASURE_IMPORT = PEAK_RSS + """
import sys
from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.errors import WorkbenchError
try:
    load_dataset(DatasetSpec(source=sys.argv[1], path=sys.argv[2]))
except WorkbenchError:
    pass
print(peak_rss_kib() * 1024)
"""


def peak_memory(entry: str, path, models: dict) -> int:
    if entry == "predict":
        done, peak = run_predict_measured(models["TABLE"].parent, path)
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        return peak
    done = subprocess.run([sys.executable, "-c", MEASURE_IMPORT, entry, str(path)], capture_output=True, text=True,
                          timeout=120, check=True)
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak memory is read from Linux's getrusage")
@pytest.mark.parametrize("case", MEMORY_CASES, ids=[f"{c.entry}: {c.name}" for c in MEMORY_CASES])
def test_hostile_input_memory(case, tmp_path, models):
    (tmp_path / "plain").mkdir()
    (tmp_path / "hostile").mkdir()
    plain = case.plain(tmp_path / "plain")
    hostile = case.hostile(tmp_path / "hostile")
    grown = peak_memory(case.entry, hostile, models) - peak_memory(case.entry, plain, models)
    assert grown < case.limit_mib * 2**20, f"{grown / 2**20:.0f} MiB more than on the plain input"


@pytest.fixture
def small_disk(tmp_path):
    """mount(kind): a 256 KB tmpfs holding an older p.json, then filled up or made read-only (skipped where the
    machine cannot mount one)."""
    where = tmp_path / "disk"
    mounted = []

    def mount(kind: str):
        reason = mount_tmpfs(where)
        if reason is not None:
            pytest.skip(reason)
        mounted.append(where)
        (where / "p.json").write_bytes(OLD_PROJECT)
        if kind == "full":
            fill_disk(where)
        else:
            remount_read_only(where)
        return where

    yield mount
    for path in mounted:
        unmount(path)


@pytest.mark.parametrize("case", disk_cases.CASES, ids=[f"{c.entry}: {c.name}" for c in disk_cases.CASES])
def test_full_or_read_only_disk(case, tmp_path, small_disk):
    folder, out = tmp_path / "case", tmp_path / "out"
    out.mkdir()
    project = trained_project(folder)
    disk = small_disk(case.kind)
    reason = disk_cases.KINDS[case.kind]
    expect = case.expect
    pattern = expect.pattern and expect.pattern.replace("DISK", re.escape(str(disk))).replace("REASON", reason)
    before, on_disk = tree_digest(folder), tree_digest(disk)
    with warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always")
        if expect.kind == "exits":                 # a `workbench` command
            check_command(run_workbench(case.make(project, disk, out), out), expect, pattern)
        elif expect.kind == "refused":
            with pytest.raises(WorkbenchError) as caught:
                case.make(project, disk, out)
            message = str(caught.value)
            del caught
            assert "\n" not in message and re.search(pattern, message), message
        else:
            assert expect.check(case.make(project, disk, out), out, reason)
    assert [str(w.message) for w in raised] == []
    assert tree_digest(folder) == before
    assert tree_digest(disk) == on_disk          # the older file intact, nothing left behind


def test_disk_filling_up_at_the_end_of_training(tmp_path):
    """`workbench train --out` onto a disk that fills up once the run's checkpoints are written: the command fails,
    says that the run was not saved and where its weights are kept; the older project file is intact, nothing is
    half-written, and the weights it names load."""
    from workbench.core.build import build_module
    from workbench.core.training.weights import load_weights

    project_file = trained_project(tmp_path / "case")
    disk = tmp_path / "disk"
    reason = mount_tmpfs(disk)
    if reason is not None:
        pytest.skip(reason)
    try:
        (disk / "p.json").write_bytes(OLD_PROJECT)
        argv = ["train", str(project_file), "--epochs", "1", "--threads", "1", "--device", "cpu", "--out",
                str(disk / "p.json")]
        status, out, err = run_workbench(Command(argv, when=r"^epoch 1/1", then=lambda _: fill_disk(disk)),
                                         tmp_path)
        assert "Traceback" not in out + err and status == 2, out + err
        found = re.search(rf"^error: The run finished but could not be saved: Could not save "
                          rf"'{re.escape(str(disk))}/p\.json': No space left on device\. The file on disk is "
                          rf"unchanged\. The run is not in it, but its weights are kept in '(?P<weights>.+)' \(a new "
                          rf"run can start from them with --init-from\)\. Free some space, or train again with --out "
                          rf"in a folder that has free space and that you can write to\.$", err, re.M)
        assert found, err
        assert (disk / "p.json").read_bytes() == OLD_PROJECT
        assert not [p for p in disk.rglob("*") if p.name.endswith(".tmp")]   # no temporary left half-written
        project = load_project(project_file)
        load_weights(build_module(project.runs[-1].graph_snapshot(project.graph)), found["weights"])
    finally:
        unmount(disk)
