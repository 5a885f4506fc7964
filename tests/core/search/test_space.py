"""The search space and settings records: round trips, the field at fault, and checks against the network."""

import pytest

from workbench.core.errors import ProjectFileError
from workbench.core.project import open_template
from workbench.core.search import (Choices, NumberRange, RepeatChain, SearchSection, SearchSettings, SearchSpace,
                                   SearchSpaceError)

SPACE = SearchSpace(ranges=(NumberRange("conv1.filters", 4, 32, integer=True),
                            NumberRange("training.learning_rate", 1e-4, 1e-2, log=True)),
                    choices=(Choices("conv1.kernel_size", (3, 5)), Choices("training.optimizer", ("adam", "sgd"))),
                    optional=("dropout1",), repeats=(RepeatChain(("conv2", "relu2"), 1, 2),), width=(0.5, 1.0))


def test_section_round_trips():
    section = SearchSection(SPACE, SearchSettings(objective="latency", limit=1.5, trials=7, seed=3))
    assert SearchSection.from_dict(section.to_dict()) == section


@pytest.mark.parametrize("change, field", [
    (lambda d: d["space"]["ranges"][0].update(low=40), "search.space.ranges[0].high"),
    (lambda d: d["space"]["ranges"][1].update(low=0), "search.space.ranges[1].low"),
    (lambda d: d["space"]["ranges"][0].update(target="filters"), "search.space.ranges[0].target"),
    (lambda d: d["space"]["choices"][0].update(values=[]), "search.space.choices[0].values"),
    (lambda d: d["space"]["choices"][0].update(values=[3, 3]), "search.space.choices[0].values"),
    (lambda d: d["space"]["width"].append(-1), "search.space.width[2]"),
    (lambda d: d["space"]["repeats"][0].update(high=99), "search.space.repeats[0].high"),
    (lambda d: d["space"].update(colour="red"), "search.space.colour"),
    (lambda d: d["settings"].update(objective="speed"), "search.settings.objective"),
    (lambda d: d["settings"].update(limit=0), "search.settings.limit"),
    (lambda d: d["settings"].update(trials=0), "search.settings.trials"),
    (lambda d: d["settings"].update(prune="yes"), "search.settings.prune"),
])
def test_from_dict_names_the_field_at_fault(change, field):
    data = SearchSection(SPACE).to_dict()
    change(data)
    with pytest.raises(ProjectFileError) as info:
        SearchSection.from_dict(data)
    assert info.value.field == field


def test_unknown_fields_of_a_newer_minor_version_are_kept():
    data = {**SearchSection(SPACE).to_dict(), "budget_usd": 3}
    with pytest.raises(ProjectFileError):
        SearchSection.from_dict(data)
    section = SearchSection.from_dict(data, keep_unknown=True)
    assert section.to_dict()["budget_usd"] == 3


def test_space_fits_the_cnn_template():
    SPACE.check_against(open_template("cnn").graph)


def test_empty_space_is_refused_in_plain_words():
    graph = open_template("cnn").graph
    for space in (SearchSpace(), SearchSpace(ranges=(NumberRange("conv1.filters", 8, 8, integer=True),)),
                  SearchSpace(width=(1.0,))):
        assert space.is_empty
        with pytest.raises(SearchSpaceError, match="search space is empty"):
            space.check_against(graph)


@pytest.mark.parametrize("space, words", [
    (SearchSpace(ranges=(NumberRange("gone1.units", 1, 4, integer=True),)), "no longer in the network"),
    (SearchSpace(ranges=(NumberRange("conv1.units", 1, 4, integer=True),)), "has no such setting"),
    (SearchSpace(ranges=(NumberRange("conv1.filters", 0, 4, integer=True),)), "below the smallest allowed"),
    (SearchSpace(choices=(Choices("training.schedule", ("step", "cosine")),)), "cannot be searched"),
    (SearchSpace(optional=("nope",)), "no longer in the network"),
])
def test_space_naming_what_the_network_lacks_is_refused(space, words):
    with pytest.raises(SearchSpaceError, match=words):
        space.check_against(open_template("cnn").graph)

