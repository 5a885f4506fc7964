"""`workbench train`, `workbench evaluate` and `workbench doctor` from the command line."""

import json
import signal
import subprocess
import sys

import pytest

from workbench.cli import run_command
from workbench.core.project import load_project, open_template, save_project
from workbench.core.training.settings import TrainingSettings


def run_json(capsys, argv):
    code = run_command(argv)
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip().startswith("{") else None), out.err


def test_train_then_evaluate(tmp_path, capsys):
    out = tmp_path / "trained.json"
    code, summary, err = run_json(capsys, ["train", "mlp", "--data", "moons", "--epochs", "3", "--device", "cpu",
                                           "--threads", "1", "--out", str(out), "--json"])
    assert code == 0, err
    assert summary["status"] == "completed" and summary["epochs_done"] == 3
    assert set(summary["test"]) >= {"accuracy", "loss", "f1_macro"}
    assert summary["device"] == "CPU (1 thread)"
    project = load_project(out)
    assert project.dataset.name == "moons" and len(project.runs) == 1
    assert (tmp_path / summary["weights"]).is_file()
    assert project.runs[0].settings.epochs == 3 and project.training == TrainingSettings()  # the run's override

    code, evaluation, err = run_json(capsys, ["evaluate", str(out), "--json"])
    assert code == 0, err
    assert evaluation["test"]["accuracy"] == pytest.approx(summary["test"]["accuracy"])
    assert evaluation["test"]["f1_macro"] == pytest.approx(summary["test"]["f1_macro"])
    assert len(evaluation["confusion_matrix"]) == 2

    assert run_command(["evaluate", str(out), "--split", "val"]) == 0
    text = capsys.readouterr().out
    assert "on the val split" in text and "rows: true class, columns: predicted class" in text


def test_train_prints_progress_and_a_summary(tmp_path, capsys):
    code = run_command(["train", "mlp", "--data", "iris", "--epochs", "2", "--out", str(tmp_path / "i.json")])
    out = capsys.readouterr()
    assert code == 0
    assert "Training on CPU" in out.err and "epoch 2/2" in out.err
    assert "Finished all 2 epochs." in out.out and "test: loss" in out.out
    assert f"Saved the trained project to {tmp_path / 'i.json'}" in out.out


def test_regression_summary_names_regression_figures(tmp_path, capsys):
    code, summary, err = run_json(capsys, ["train", "mlp", "--data", "diabetes", "--epochs", "2", "--out",
                                           str(tmp_path / "d.json"), "--json"])
    assert code == 0, err
    assert set(summary["test"]) == {"loss", "mae", "rmse", "r2"}


def test_a_template_is_never_overwritten(tmp_path, capsys, monkeypatch):
    from workbench.core.project import template_path

    before = template_path("mlp").read_bytes()
    monkeypatch.chdir(tmp_path)
    code, summary, err = run_json(capsys, ["train", "mlp", "--epochs", "1", "--json"])
    assert code == 0, err
    assert summary["project"] == str(tmp_path / "mlp.wbproj")
    assert template_path("mlp").read_bytes() == before


def test_bad_input_is_a_message_not_a_traceback(tmp_path, capsys):
    project = open_template("mlp")
    project.dataset = None
    save_project(project, tmp_path / "nodata.json")
    assert run_command(["train", str(tmp_path / "nodata.json")]) == 2
    assert "error: The project has no data chosen yet" in capsys.readouterr().err
    assert run_command(["train", "mlp", "--epochs", "0"]) == 2
    assert "error: training.epochs: must be a whole number from 1" in capsys.readouterr().err
    assert run_command(["evaluate", "mlp"]) == 2
    assert "error: The project has no trained run yet" in capsys.readouterr().err


def test_doctor_reports_torch_and_onnxruntime(capsys):
    code, report, _ = run_json(capsys, ["doctor", "--json"])
    assert code == 0
    assert report["torch"]["version"] and "cuda_available" in report["torch"]
    assert "CPUExecutionProvider" in report["onnxruntime"]["providers"]
    assert report["training_device"] in ("CPU", "Apple GPU (MPS)") or report["training_device"].startswith("GPU")
    assert run_command(["doctor"]) == 0
    text = capsys.readouterr().out
    assert "PyTorch" in text and "ONNX Runtime" in text and "Training will run on:" in text


def test_doctor_advises_when_a_gpu_is_unused():
    from workbench.core.diagnostics import advice

    cpu_torch = {"version": "2.13.0+cpu", "built_with_cuda": None, "cuda_available": False}
    tips = advice(cpu_torch, {"installed": True, "providers": ["CPUExecutionProvider"]}, ["NVIDIA H100"], "Linux")
    assert "CPU-only build" in tips[0] and "download.pytorch.org/whl/cu" in tips[0]
    assert "onnxruntime-gpu" in tips[1]
    cuda_torch = {"version": "2.13.0", "built_with_cuda": "12.4", "cuda_available": False}
    assert "Update the NVIDIA driver" in advice(cuda_torch, {"installed": True, "providers": ["CUDAExecutionProvider"]},
                                                ["NVIDIA H100"], "Linux")[0]
    assert advice(cpu_torch, {"installed": True, "providers": ["CPUExecutionProvider"]}, [], "Linux") == []


def test_train_with_data_reads_the_file_once(tmp_path, capsys, monkeypatch):
    from workbench.core.project import data as project_data

    table = tmp_path / "rows.csv"
    table.write_text("a,b,y\n" + "".join(f"{i},{i % 7},{'xy'[i % 2]}\n" for i in range(120)))
    loads = []
    real = project_data.load_dataset

    def counted(spec, *args, **kwargs):
        loads.append(spec.path)
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(project_data, "load_dataset", counted)
    code, summary, err = run_json(capsys, ["train", "mlp", "--data", str(table), "--target", "y", "--epochs", "1",
                                           "--out", str(tmp_path / "t.json"), "--json"])
    assert code == 0, err
    assert loads == [str(table)]  # fitting the network and training share one read of the file


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_a_stop_signal_keeps_the_run_and_its_weights(signum, code, tmp_path):
    out = tmp_path / "stopped.json"
    run = subprocess.Popen([sys.executable, "-m", "workbench", "train", "mlp", "--epochs", "100000", "--threads", "1",
                            "--device", "cpu", "--out", str(out)], stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                           text=True, cwd=tmp_path)
    try:
        for line in run.stderr:  # one line per epoch when stderr is not a terminal
            if line.startswith("epoch 2/"):
                break
        run.send_signal(signum)
        _, err = run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == code, err
    record = load_project(out).runs[-1]
    assert record.status == "stopped" and record.epochs_done >= 2
    for path in record.files.paths():
        assert (tmp_path / path).is_file()


def test_numbers_of_threads_are_bounded_in_words(capsys):
    for value in ("100000", "0", "many"):
        with pytest.raises(SystemExit) as stop:
            run_command(["train", "mlp", "--threads", value])
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert "argument --threads:" in err and "Traceback" not in err


def test_an_out_file_changed_meanwhile_is_not_overwritten(tmp_path, capsys, monkeypatch):
    from workbench.core.project import actions

    out = tmp_path / "trained.json"
    real = actions.train_project

    def train_while_someone_writes_the_file(*args, **kwargs):
        outcome = real(*args, **kwargs)
        save_project(open_template("cnn"), out)  # another program writes the same file meanwhile
        return outcome

    monkeypatch.setattr(actions, "train_project", train_while_someone_writes_the_file)
    code, summary, err = run_json(capsys, ["train", "mlp", "--epochs", "1", "--out", str(out), "--json"])
    assert code == 1 and "trained.json was changed by another program while this command ran" in err
    assert load_project(out).name == "Digits CNN"  # theirs, untouched
    beside = load_project(summary["project"])
    assert beside.path.name == f"trained.{summary['run']}.json" and beside.runs[-1].id == summary["run"]

def test_a_trained_template_is_saved_as_a_wbproj_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, summary, err = run_json(capsys, ["train", "mlp", "--epochs", "1", "--json"])
    assert code == 0, err
    assert summary["project"] == str(tmp_path / "mlp.wbproj")
    assert load_project(tmp_path / "mlp.wbproj").runs
    assert run_command(["evaluate", str(tmp_path / "mlp.wbproj")]) == 0


def test_train_init_from_prints_loaded_partly_loaded_and_skipped_layers(tmp_path, capsys):
    source = tmp_path / "iris.wbproj"
    code, _, err = run_json(capsys, ["train", "mlp", "--data", "iris", "--epochs", "1", "--device", "cpu",
                                     "--threads", "1", "--out", str(source), "--json"])
    assert code == 0, err
    target = tmp_path / "wine.wbproj"
    argv = ["train", "mlp", "--data", "wine", "--epochs", "1", "--device", "cpu", "--threads", "1",
            "--init-from", str(source), "--out", str(target)]
    code, summary, err = run_json(capsys, [*argv, "--json"])
    assert code == 0, err
    transfer = summary["transfer"]
    assert transfer["loaded"] == ["dense2", "classifier1"]
    reasons = dict(transfer["partly"])                                    # 13 wine columns, not 4 iris ones
    assert reasons["dense1"] == "weight has shape (64, 4) there but (64, 13) here"

    assert run_command(argv) == 0
    out = capsys.readouterr().out
    assert "Started from earlier weights:" in out
    assert "  Loaded 2 layers: dense2, classifier1." in out
    assert "  Partly loaded dense1: weight has shape (64, 4) there but (64, 13) here." in out


def test_train_init_from_a_missing_file_is_an_error_in_words(tmp_path, capsys):
    code = run_command(["train", "mlp", "--data", "iris", "--epochs", "1", "--device", "cpu", "--threads", "1",
                        "--init-from", str(tmp_path / "nowhere.safetensors"), "--out", str(tmp_path / "p.wbproj")])
    captured = capsys.readouterr()
    last = captured.err.strip().splitlines()[-1]
    assert code != 0 and last.startswith("error: ") and "nowhere.safetensors" in last
    assert "Traceback" not in captured.err
