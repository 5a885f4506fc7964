"""The command line as a user runs it: exit codes, messages without tracebacks, and --json summaries."""

import json
import subprocess
import sys

import pytest

from workbench.__main__ import main


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_templates_lists_every_template(capsys):
    code, out, _ = run_cli(capsys, "templates", "--json")
    assert code == 0
    names = [t["name"] for t in json.loads(out)["templates"]]
    assert {"cnn", "mlp", "resnet", "lstm", "transformer"} <= set(names)
    code, out, _ = run_cli(capsys, "templates")
    assert "cnn" in out and "Digits CNN" in out


def test_validate_prints_shapes_and_counts(capsys):
    code, out, _ = run_cli(capsys, "validate", "cnn")
    assert code == 0
    assert "cnn: valid — Digits CNN" in out
    assert "conv1" in out and "(batch, 16, 8, 8)" in out and "160 params" in out
    assert "total: 13,706 parameters" in out


def test_validate_json_for_several_files_and_nonzero_exit_on_an_invalid_one(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    text = open("resources/templates/mlp.json").read().replace('"type": "Flatten"', '"type": "Conv2d"')
    bad.write_text(text)
    code, out, err = run_cli(capsys, "validate", "--json", "mlp", str(bad))
    assert code == 1
    summary = json.loads(out)
    assert summary["valid"] is False
    good, broken = summary["files"]
    assert good["valid"] and good["total_params"] == 2499 and good["errors"] == []
    assert not broken["valid"]
    assert broken["errors"][0]["node"] == "flatten1"
    assert "needs a 4-D input (batch, channels, height, width) but 'input1' gives (batch, 4)" in \
        broken["errors"][0]["message"]
    assert "Traceback" not in err


def test_validate_names_each_file_and_never_shows_a_traceback(capsys, tmp_path):
    garbage = tmp_path / "garbage.json"
    garbage.write_text("not json at all")
    code, out, err = run_cli(capsys, "validate", str(garbage), "nope")
    assert code == 1
    assert f"{garbage}: INVALID" in out and "it is not valid JSON" in out
    assert "nope: INVALID" in out and "no project file or template called 'nope'" in out
    assert "Traceback" not in out + err


def test_console_entry_point_runs_headless():
    run = subprocess.run([sys.executable, "-m", "workbench", "validate", "--json", "resnet"], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["files"][0]["total_params"] == 37834


@pytest.mark.parametrize("args", [["validate"], ["frobnicate", "x"]])
def test_usage_errors_exit_2(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args) if args[0] == "validate" else sys.exit(main(args))
    assert info.value.code == 2
