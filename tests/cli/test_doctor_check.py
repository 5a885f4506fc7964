"""`workbench doctor --check`: the self-test trains, exports and runs the demo on every device present."""

import json

import pytest

from workbench.cli import run_command
from workbench.core.errors import CancelledError
from workbench.core.project import actions
from workbench.core.project.self_test import format_self_test


def test_doctor_check_gives_a_verdict_per_device_and_the_figures(capsys):
    assert run_command(["doctor", "--check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    check = report["check"]
    assert check["ok"] is True
    names = [s["device"] for s in check["sections"]]
    assert names[0].startswith("CPU") and names[-1] == "ONNX Runtime"
    training = check["sections"][0]["checks"][0]
    assert training["name"] == "training in float32" and training["ok"]
    assert training["figures"]["loss_last"] < training["figures"]["loss_first"]
    runtime = check["sections"][-1]["checks"]
    assert [c["figures"]["provider"] for c in runtime] == report["onnxruntime"]["providers"]
    assert all(c["figures"]["max_abs_diff"] <= 1e-4 for c in runtime if c["figures"]["provider"] == "CPUExecutionProvider")
    text = format_self_test(check)
    assert "CPU (" in text and ": works." in text and "Self-test passed" in text


def test_the_self_test_can_be_cancelled():
    with pytest.raises(CancelledError, match="cancelled"):
        actions.self_test(should_cancel=lambda: True)
