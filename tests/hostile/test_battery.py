"""The hostile-input battery: every case of battery_cases.py gets its outcome, leaves its files as they were,
raises no warning and shows no traceback; the memory cases stay within their bound."""

from __future__ import annotations

import contextlib
import gc
import io
import re
import subprocess
import sys
import warnings

import pytest

from battery_cases import CASES, MEMORY_CASES
from hostile_inputs import (PEAK_RSS, array_export, image_export, run_predict_measured, table_export,
                            tiny_module, tokens_export, tree_digest)
from workbench.core.errors import WorkbenchError
from workbench.core.export import predict_script


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


ENTRIES = {
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


@pytest.mark.parametrize("case", CASES, ids=[f"{c.entry}: {c.name}" for c in CASES])
def test_hostile_input(case, tmp_path, models):
    folder = tmp_path / "case"
    folder.mkdir()
    arg = case.make(folder)
    before = tree_digest(folder)
    expect = case.expect
    with warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always")
        if case.entry == "predict":
            status, out, err = run_predict(arg, models)
            assert "Traceback" not in err
            assert status == expect.status, err
            if expect.pattern is None:
                assert err == ""
            else:
                assert re.search(expect.pattern, err), err
            if status == 0:
                assert out.strip()
        elif expect.kind == "refused":
            with pytest.raises(WorkbenchError) as caught:
                ENTRIES[case.entry](arg)
            message = str(caught.value)
            del caught                              # its traceback would keep the failed call's files open
            assert "\n" not in message and re.search(expect.pattern, message), message
        else:
            result = ENTRIES[case.entry](arg)
            if expect.kind == "warned":
                assert any(re.search(expect.pattern, line) for line in result.report), result.report
        gc.collect()                                # a file left open warns now, in the case that left it
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
