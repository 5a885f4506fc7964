"""The command line says what the import of ``--data`` decided: the target and why, the rows kept or dropped, the
columns left out, the declared kinds; all of it with ``--report``, and in ``--json``."""

from __future__ import annotations

import json

from workbench.cli import run_command

SPECIES = ["Adelie", "Gentoo", "Chinstrap"]


def penguins(tmp_path) -> str:
    rows = ["id,species,island,bill_length_mm,sex,year"]
    for i in range(60):
        bill = "NA" if i % 10 == 4 else f"{38 + i % 9 + 0.1 * (i % 7):.1f}"
        rows.append(f"{i + 1},{SPECIES[i % 3]},{['Biscoe', 'Dream'][i % 2]},{bill},{'mf'[i % 2]},{2007 + i % 3}")
    path = tmp_path / "penguins.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def notes(err: str) -> list[str]:
    return [line.removeprefix("note: ") for line in err.splitlines() if line.startswith("note: ")]


def test_validate_prints_a_line_per_decision(tmp_path, capsys):
    assert run_command(["validate", "mlp", "--data", penguins(tmp_path)]) == 0
    said = notes(capsys.readouterr().err)
    assert said == [
        "Target: 'species', suggested because its name says so (choose another target if this is not what the "
        "model should predict).",
        "Kept 6 rows with missing values: the gaps are filled in, numbers with the column's mean and categories "
        "with the most frequent one, and an input for each such column says where a value was missing (choose "
        "“drop rows” as the missing-value policy to leave such rows out).",
        "Left out 1 column: 'id' (it looks like an identifier (a running number)).",
        "--report prints the whole import report (a line per column).",
    ]


def test_report_prints_every_line_and_target_overrides(tmp_path, capsys):
    assert run_command(["validate", "mlp", "--data", penguins(tmp_path), "--target", "island", "--report"]) == 0
    said = notes(capsys.readouterr().err)
    assert "Column 'island': the target, 2 classes (Biscoe, Dream)." in said
    assert any(line.startswith("Column 'bill_length_mm': numbers, standardised") for line in said)
    assert not any(line.startswith("Target: ") for line in said)       # chosen, not suggested


def test_json_holds_the_summary_and_the_report(tmp_path, capsys):
    code = run_command(["validate", "mlp", "--data", penguins(tmp_path), "--categorical", "year", "--numeric",
                        "bill_length_mm", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    data = json.loads(out.out)["files"][0]["data"]
    assert "Read as you declared: 'year' as categories, 'bill_length_mm' as numbers." in data["summary"]
    assert any(line.startswith("Column 'year': 3 categories (2007, 2008, 2009)") for line in data["report"])
    assert notes(out.err)[0].startswith("Target: 'species', suggested")


def test_a_column_in_both_kinds_is_refused(tmp_path, capsys):
    code = run_command(["validate", "mlp", "--data", penguins(tmp_path), "--categorical", "year", "--numeric",
                        "year", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["files"][0]["errors"][0]["message"] == (
        "Column 'year' is given to both --categorical and --numeric; choose one.")


def test_text_names_the_text_column(tmp_path, capsys):
    words = ["good", "bad", "fine", "great", "poor"]
    lines = ["review,stars,label"] + [f"the room was {words[i % 5]} and {words[i % 3]},{i % 5},{'pn'[i % 2]}"
                                      for i in range(80)]
    path = tmp_path / "reviews.csv"
    path.write_text("\n".join(lines) + "\n")
    code = run_command(["validate", "lstm", "--data", str(path), "--text", "review", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    summary = json.loads(out.out)["files"][0]["data"]["summary"]
    assert any(line.startswith("Column 'review': the input, text split into words") for line in summary)
