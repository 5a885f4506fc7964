"""`workbench train` on a project file written by hand whose dataset sets text options: a network not trained yet
is fitted to the data those options give (the Input's length, the Embedding's vocabulary), as choosing the data
does, and says so; a trained network is left as it is."""

from __future__ import annotations

import json

from workbench.cli import run_command
from workbench.core.data.reviews import make_reviews
from workbench.core.project import load_project


def hand_written_project(tmp_path, text_options: dict) -> str:
    """The Transformer template (Input of 15 ids, vocabulary 34) pointed at a CSV file of reviews."""
    texts, labels = make_reviews(80, seed=3)
    rows = ["review,label"] + [f"{text},{'np'[label]}" for text, label in zip(texts, labels)]
    (tmp_path / "reviews.csv").write_text("\n".join(rows) + "\n")
    project = json.loads(open("resources/templates/transformer.json").read())
    project["dataset"] = {"source": "csv", "path": "reviews.csv",
                          "options": {"target": "label", "text": {"column": "review", **text_options}}}
    path = tmp_path / "text.json"
    path.write_text(json.dumps(project))
    return str(path)


def train(capsys, path: str) -> tuple[int, dict | None, str]:
    code = run_command(["train", path, "--epochs", "1", "--device", "cpu", "--threads", "1", "--json"])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip().startswith("{") else None), out.err


def test_an_untrained_network_is_fitted_to_the_text_options(tmp_path, capsys):
    path = hand_written_project(tmp_path, {"max_len": 12, "max_vocab": 20})
    code, summary, err = train(capsys, path)
    assert code == 0, err
    assert summary["status"] == "completed"
    project = load_project(path)
    graph = project.runs[0].graph_snapshot(project.graph)
    vocabulary = graph.nodes["embed1"].params["vocab_size"]
    assert graph.nodes["input1"].params["shape"] == (12,) and vocabulary == 20
    assert project.graph.nodes["input1"].params["shape"] == (12,)  # the saved network is the one trained
    assert "note: Fitted Input 'input1' to the data: shape (15) → (12)." in err.splitlines()
    assert f"note: Fitted Embedding 'embed1' to the data: vocabulary 34 → 20." in err.splitlines()


def test_a_trained_network_is_not_refitted(tmp_path, capsys):
    path = hand_written_project(tmp_path, {"max_len": 12, "max_vocab": 20})
    assert train(capsys, path)[0] == 0
    project = json.loads(open(path).read())
    project["dataset"]["options"]["text"]["max_len"] = 9
    open(path, "w").write(json.dumps(project))
    code, summary, err = train(capsys, path)
    assert code == 2 and summary is None
    assert "error: The network's Input expects samples of shape (12), but the data's samples have shape (9)." in err
    assert "Fitted" not in err and "Traceback" not in err
    assert load_project(path).graph.nodes["input1"].params["shape"] == (12,)
