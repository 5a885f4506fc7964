"""A new user's first hour, on a real X display with real mouse and keyboard events (Xvfb + xdotool): the app starts
with an empty HOME, the welcome page offers the templates, the user picks the table network, opens their own CSV
file, confirms the target the import suggests, trains, evaluates, exports (saving the project first, as the app
asks), opens the export folder and tries the model on a row of their own.

Every step is a click or a key press that xdotool sends to the X server, at the place where the locator
(`app_with_locator.py`) says the text is shown, so a button that is hidden, covered, disabled or scrolled out of
sight fails the journey as it would fail the user. Screenshots of each step are kept in the test's folder
(`--basetemp` to keep them; CI prints where).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.journey.screen import Screen

NEEDED = ("Xvfb", "xdotool", "import")
if any(shutil.which(tool) is None for tool in NEEDED):
    if os.environ.get("WORKBENCH_REQUIRE_XVFB"):
        raise RuntimeError(f"the journey tests need {', '.join(NEEDED)} (WORKBENCH_REQUIRE_XVFB is set)")
    pytest.skip(f"needs {', '.join(NEEDED)} (Debian: xvfb xdotool imagemagick)", allow_module_level=True)

SPECIES = ("setosa", "versicolor", "virginica")


def write_flowers(path: Path, rows: int = 240) -> None:
    """A table as a user has one: a few gaps, a category column, a `year` last but one, the answer in `species`."""
    rng = np.random.default_rng(0)
    with open(path, "w") as f:
        f.write("petal_length,petal_width,colour,year,species\n")
        for i in range(rows):
            k = i % 3
            length = "" if rng.random() < 0.05 else f"{rng.normal(1.5 + 2.2 * k, 0.3):.2f}"
            colour = ("white", "blue", "purple")[k if rng.random() > 0.2 else rng.integers(3)]
            f.write(f"{length},{rng.normal(0.3 + 0.8 * k, 0.15):.2f},{colour},{2000 + i % 20},{SPECIES[k]}\n")


@pytest.fixture
def screen(tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    screen = Screen(tmp_path, shots)
    yield screen
    screen.close()
    print(f"screenshots of the journey: {shots}")


def edit_beside(screen: Screen, label: str) -> dict:
    """The input field on the same line as `label`, right of it (a spin box's text field)."""
    caption = screen.wait_for(label, kind="label")
    middle = caption["y"] + caption["h"] / 2
    fields = [e for e in screen.texts() if e["kind"] == "edit" and e["x"] > caption["x"]
              and abs(e["y"] + e["h"] / 2 - middle) < 12]
    assert fields, f"no field beside '{label}'"
    return min(fields, key=lambda e: e["x"])


def replace_text_in(screen: Screen, field: dict, text: str) -> None:
    screen.click_at(field["x"] + field["w"] // 2, field["y"] + field["h"] // 2)
    screen.key("ctrl+a")
    screen.type_text(text)
    screen.key("Tab")


def test_first_hour_from_the_welcome_page_to_trying_the_exported_model(screen, tmp_path):
    table = tmp_path / "flowers.csv"
    write_flowers(table)
    project = screen.home / "flowers.wbproj"

    screen.launch()
    screen.wait_for("Welcome to Workbench", exact=False, kind="label", timeout=120)
    screen.wait_for("Open my CSV file", kind="label")  # in sight without scrolling, on a 1440x900 screen
    screen.shot("welcome")

    # a template, then the guided tour, which the user looks at and leaves
    screen.click("Tabular MLP", kind="label")
    screen.wait_for("Step 1 of 8", kind="label")
    screen.click("Next", kind="button")
    screen.wait_for("Step 2 of 8", kind="label")
    screen.shot("tour")
    screen.click("Skip tour", kind="button")
    screen.wait_gone("Step 2 of 8", kind="label")

    # their own CSV file, through the file dialog
    screen.click("Data", kind="tab")
    screen.click("Open CSV/TSV file…", kind="button")
    screen.wait_for("File name:", kind="label")
    screen.type_text(str(table))
    screen.key("Return")
    suggestion = screen.wait_for("The import suggests 'species'", exact=False, kind="label", timeout=60)
    assert "year" not in suggestion["text"]
    screen.shot("data-suggested-target")
    assert screen.find("Use this dataset", kind="button", enabled=False), "usable before the target is confirmed"
    screen.click("Predict 'species'", kind="button")
    screen.click("Use this dataset", kind="button", timeout=60)
    screen.wait_for("flowers.csv", exact=False, kind="label")

    # training, with fewer epochs than the default so that CI is quick
    screen.click("Train", kind="tab")
    replace_text_in(screen, edit_beside(screen, "Epochs"), "40")
    screen.click("Train", kind="button")
    finished = screen.wait_for("finished", exact=False, kind="label", timeout=600)
    screen.shot("trained")
    assert "Run 1" in finished["text"], finished["text"]

    screen.click("Evaluate", kind="tab")
    accuracy = screen.wait_for_pattern(r"Accuracy (\d+(\.\d+)?)%", kind="label", timeout=180)
    screen.shot("evaluate")
    assert float(accuracy.group(1)) >= 80, accuracy.group(0)

    # export: the project was never saved, so the app asks to save it first, then exports beside it
    screen.click("Export", kind="tab")
    screen.click("Export", kind="button")
    screen.click("Save…", kind="button", timeout=30)
    screen.wait_for("File name:", kind="label")
    screen.key("ctrl+a")
    screen.type_text(str(project))
    screen.key("Return")
    exported = screen.wait_for("Exported to", exact=False, kind="label", timeout=300)
    screen.shot("exported")
    assert project.is_file(), f"the project was not saved to {project}"
    folder = Path(exported["text"].split("Exported to", 1)[1].split(":")[0].strip().rstrip("."))
    assert folder.parent == project.parent and (folder / "model.onnx").is_file(), exported["text"]
    screen.click("Open folder", kind="button")
    assert screen.opened_log.is_file(), "Open folder did not hand the folder to the desktop (xdg-open)"
    assert str(folder) in screen.opened_log.read_text()

    # try it: the user edits a row and the model answers with one of the species
    screen.click("Try it", kind="tab")
    screen.wait_for("Edit the row", exact=False, kind="label", timeout=120)
    cell = next(e for e in screen.texts() if e["kind"] == "item" and e["text"] in ("", "nan") or
                e["kind"] == "item" and e["text"].replace(".", "", 1).isdigit())
    screen.double_click(cell["text"], kind="item")
    screen.key("ctrl+a")
    screen.type_text("6.1")
    screen.key("Return")
    answer = screen.wait_for("The model says:", kind="label")
    shown = [e["text"] for e in screen.texts() if e["kind"] == "label" and e["y"] > answer["y"]
             and any(name in e["text"] for name in SPECIES)]
    screen.shot("try-it")
    assert shown, "the model's answer names no species"

    screen.key("ctrl+q")
    assert screen.app.wait(30) == 0, screen.log_tail()
