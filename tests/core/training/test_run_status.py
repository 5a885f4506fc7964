"""`RunStatus`: one spelling of how a run ended, equal to the strings run records store."""

import json

import pytest

from workbench.core.project import Project, RunFiles, RunRecord
from workbench.core.training import RunStatus, Trainer, TrainingSettings


def test_members_are_the_strings_records_store():
    assert [s.value for s in RunStatus] == ["completed", "early_stopped", "stopped", "diverged", "out_of_memory"]
    assert RunStatus("early_stopped") is RunStatus.EARLY_STOPPED
    assert RunStatus.STOPPED == "stopped" and f"{RunStatus.STOPPED}" == "stopped"
    assert json.dumps({"status": RunStatus.DIVERGED}) == '{"status": "diverged"}'


@pytest.mark.parametrize("status, ok, phrase", [
    (RunStatus.COMPLETED, True, "finished in"),
    (RunStatus.EARLY_STOPPED, True, "finished in"),
    (RunStatus.STOPPED, True, "stopped after"),
    (RunStatus.DIVERGED, False, "ended after"),
    (RunStatus.OUT_OF_MEMORY, False, "ended after"),
])
def test_what_each_status_means(status, ok, phrase):
    assert status.ok is ok
    assert status.time_phrase == phrase


def test_a_result_carries_a_run_status(moons, new_module):
    graph, dataset = moons
    result = Trainer(new_module(), dataset, TrainingSettings(epochs=1, batch_size=32), graph=graph).fit()
    assert type(result.status) is RunStatus and result.status is RunStatus.COMPLETED and result.ok


def test_the_latest_kept_run_skips_failed_ones():
    project = Project(runs=[RunRecord(run_id, run_id, status, files=RunFiles(weights=f"{run_id}.safetensors"))
                            for run_id, status in (("a", RunStatus.STOPPED), ("b", RunStatus.DIVERGED),
                                                   ("c", RunStatus.OUT_OF_MEMORY))])
    assert project.find_run().id == "a"


def test_each_status_has_words_for_a_list_of_runs():
    assert [s.title for s in RunStatus] == ["completed", "stopped early", "stopped by you", "diverged",
                                           "ran out of memory"]
