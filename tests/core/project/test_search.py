"""Searching a project for real (the CNN template on digits, a few short trials): trials are project runs with
weights, the section is saved in the file, a trial's network can be adopted, and nothing changes on failure."""

import dataclasses

import pytest

from workbench.core.errors import ProjectFileError, WorkbenchError
from workbench.core.project import load_project, open_template, project_from_dict, project_to_dict, save_project
from workbench.core.project.actions import evaluate_project, search_project
from workbench.core.project.search import NoSearchError, adopt_trial, search_storage_url, trial_network
from workbench.core.search import (Choices, NumberRange, SearchError, SearchSection, SearchSettings, SearchSpace,
                                   TrialState)

SPACE = SearchSpace(ranges=(NumberRange("conv1.filters", 2, 16, integer=True),),
                    choices=(Choices("dense1.units", (8, 32)),), optional=("dropout1",))


@pytest.fixture
def project(tmp_path):
    project = open_template("cnn")
    project.training = project.training.replaced(device="cpu", epochs=2, batch_size=128)
    project.search = SearchSection(SPACE, SearchSettings(trials=3, epochs=2, seed=0))
    save_project(project, tmp_path / "digits.json")
    return project


def test_the_search_section_is_saved_and_read_back(project, tmp_path):
    again = load_project(tmp_path / "digits.json")
    assert again.search == project.search
    data = project_to_dict(project)
    data["search"]["space"]["ranges"][0]["low"] = "two"
    with pytest.raises(ProjectFileError, match=r"search\.space\.ranges\[0\]\.low: expected a number"):
        project_from_dict(data)
    del data["search"]
    assert project_from_dict(data).search is None and "search" not in project_to_dict(project_from_dict(data))


def test_a_short_search_trains_runs_and_leaves_the_project_unchanged(project, tmp_path):
    before = project_to_dict(project)
    seen = []
    report = search_project(project, tmp_path, on_trial=seen.append)
    assert project_to_dict(project) == before and project.runs == []
    assert [t.number for t in seen] == [0, 1, 2] and len(report.trials) == 3
    complete = [t for t in report.trials if t.state is TrialState.COMPLETE]
    assert complete and report.front
    for t in complete:
        assert 0 <= t.error <= 1 and t.cost > 0 and len(t.epochs) == 2
        assert (tmp_path / t.run["files"]["weights"]).is_file()
        assert t.run["id"] == f"search-search-{t.number}"
    assert (tmp_path / "digits.search.db").is_file()
    assert search_storage_url(project, tmp_path).endswith("/digits.search.db")


def test_use_this_network_adopts_the_trial_with_its_weights(project, tmp_path):
    report = search_project(project, tmp_path)
    best = report.trial(report.front[-1])
    network = adopt_trial(project, best)
    assert project.graph.nodes["conv1"].params["filters"] == best.choices["conv1.filters"]
    assert project.graph.nodes["dense1"].params["units"] == best.choices["dense1.units"]
    assert ("dropout1" in project.graph.nodes) == best.choices["keep.dropout1"]
    assert project.runs == [network.run] and project.find_run().id == best.run["id"]
    assert project.graph.positions["conv1"] == open_template("cnn").graph.positions["conv1"]
    save_project(project)
    assert evaluate_project(load_project(tmp_path / "digits.json")) is not None  # its weights load


def test_a_trial_without_a_network_cannot_be_used_and_nothing_changes(project, tmp_path):
    report = search_project(project, tmp_path)
    failed = dataclasses.replace(report.trials[0], state=TrialState.INFEASIBLE, run=None)
    before = project_to_dict(project)
    with pytest.raises(WorkbenchError, match="has no trained network"):
        adopt_trial(project, failed)
    with pytest.raises(WorkbenchError, match="has no trained network"):
        trial_network(failed)
    assert project_to_dict(project) == before


def test_no_search_and_unmeetable_limit_are_refused_before_any_file_is_written(project, tmp_path):
    project.search = None
    with pytest.raises(NoSearchError, match="no search set up"):
        search_project(project, tmp_path)
    project.search = SearchSection(SPACE, SearchSettings(trials=2, limit=50))
    with pytest.raises(SearchError, match="meets the limit of at most 50 parameters"):
        search_project(project, tmp_path)
    assert not (tmp_path / "digits.search.db").exists() and not (tmp_path / "runs").exists()
