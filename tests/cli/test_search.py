"""`workbench search` from the command line: the front printed, JSON, a shared storage URL, refusals."""

import json

from workbench.cli import run_command
from workbench.core.project import TEMPLATES_DIR, load_project


def test_search_a_template_prints_the_front_and_continues_the_study(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = run_command(["search", "mlp", "--trials", "2", "--epochs", "2", "--seed", "3"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "note: the project has no search set up" in out.err
    assert "trial   0:" in out.err and "trial   1:" in out.err
    assert "Finished: 2 trials" in out.out and "Pareto front (validation error against parameters):" in out.out
    assert (tmp_path / "mlp.search.db").is_file() and (tmp_path / "runs" / "mlp").is_dir()

    code = run_command(["search", "mlp", "--trials", "3", "--epochs", "2", "--seed", "3", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    report = json.loads(out.out)
    assert [t["number"] for t in report["trials"]] == [0, 1, 2]  # the two earlier trials, then one more
    assert report["front"] and all("run" not in t for t in report["trials"])
    assert report["objective"] == "params" and report["limit"] is None


def test_storage_url_and_objective(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'shared' / 'study.db'}"
    (tmp_path / "shared").mkdir()
    code = run_command(["search", "mlp", "--trials", "1", "--epochs", "1", "--objective", "size", "--storage", url,
                        "--study", "s2", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    report = json.loads(out.out)
    assert report["objective"] == "size" and report["trials"][0]["cost"] > 1000  # bytes of the ONNX file
    assert (tmp_path / "shared" / "study.db").is_file() and not list(tmp_path.glob("*.search.db"))
    assert not (TEMPLATES_DIR / "runs").exists() and not list(TEMPLATES_DIR.glob("*.db"))  # never beside a template


def test_a_limit_no_network_meets_is_refused_in_words(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = run_command(["search", "mlp", "--limit", "3"])
    err = capsys.readouterr().err
    assert code == 2
    assert "\nerror: No network in this search space meets the limit of at most 3 parameters" in err
    assert "Traceback" not in err and not list(tmp_path.iterdir())


def test_the_project_file_is_not_changed(tmp_path, capsys):
    run_command(["train", "mlp", "--epochs", "1", "--out", str(tmp_path / "p.json")])
    before = (tmp_path / "p.json").read_text()
    assert run_command(["search", str(tmp_path / "p.json"), "--trials", "1", "--epochs", "1"]) == 0
    assert (tmp_path / "p.json").read_text() == before and len(load_project(tmp_path / "p.json").runs) == 1
    assert (tmp_path / "p.search.db").is_file()
