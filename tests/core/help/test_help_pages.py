"""The offline help: every layer type of the catalog has a guide and a page composed from its declaration, every
glossary link leads to an entry, and search finds pages by their words."""

from __future__ import annotations

import re

import pytest

from workbench.core.help import (GLOSSARY, LAYER_GUIDES, NoHelpError, glossary_topic, help_index, layer_help,
                                 layer_topic, search_topics, topic_html, topic_title)
from workbench.core.help.pages import EXAMPLE_INPUTS
from workbench.core.layers import CATALOG


def test_every_catalog_layer_has_a_guide():
    missing = sorted(set(CATALOG) - set(LAYER_GUIDES))
    assert not missing, f"layer types without a guide in workbench/core/help/guides.py: {', '.join(missing)}"


def test_no_guide_for_a_layer_that_does_not_exist():
    assert not sorted(set(LAYER_GUIDES) - set(CATALOG))


@pytest.mark.parametrize("type_name", sorted(LAYER_GUIDES))
def test_each_guide_is_filled_in_and_its_notes_name_real_settings(type_name):
    guide = LAYER_GUIDES[type_name]
    assert guide.what.strip() and guide.when.strip()
    assert set(guide.settings) <= {s.name for s in CATALOG[type_name].settings}
    assert set(guide.inputs) <= set(EXAMPLE_INPUTS)
    assert all(note.strip() for note in guide.settings.values())


@pytest.mark.parametrize("type_name", sorted(CATALOG))
def test_each_layer_page_says_what_when_every_setting_and_shows_a_shape_example(type_name):
    spec = CATALOG[type_name]
    page = topic_html(layer_topic(type_name))
    assert spec.display_name in page and LAYER_GUIDES[type_name].what.split(",")[0] in page.replace("&#x27;", "'")
    for setting in spec.settings:
        assert setting.label in page and setting.help in page.replace("&#x27;", "'")
    help_ = layer_help(type_name)
    assert help_.examples, f"{type_name}: no example input that its shape rule accepts"
    assert all(example.output in page for example in help_.examples)


def test_a_page_is_composed_from_the_declaration():
    conv = layer_help("Conv2d")
    assert [s.label for s in conv.settings] == [s.label for s in CATALOG["Conv2d"].settings]
    kernel = next(s for s in conv.settings if s.label == "Kernel size")
    assert kernel.allowed == "a whole number from 1 to 64; 3 unless you change it"
    assert kernel.note.startswith("3 is the usual choice")
    pool_size = next(s for s in layer_help("AdaptiveAvgPool2d").settings if s.allowed.startswith("a list"))
    assert pool_size.allowed == "a list of 2 whole numbers from 1 to 4,096; 1, 1 unless you change it"
    shape = next(s for s in layer_help("Input").settings if s.allowed.startswith("a list"))
    assert shape.allowed.startswith("a list of 1 to 4 whole numbers")
    assert conv.examples[0].inputs == ("(batch, 3, 32, 32)",) and conv.examples[0].output == "(batch, 16, 32, 32)"
    assert [e.output for e in layer_help("Flatten").examples] == ["(batch, 3072)"]
    assert layer_help("Add").examples[0].inputs == ("(batch, 16)", "(batch, 16)")
    assert layer_help("Embedding").examples[0].inputs == ("(batch, 20) token ids",)
    assert "no settings" in topic_html(layer_topic("ReLU"))


def test_every_link_between_pages_leads_to_a_page():
    topics = [t for _, section in help_index() for t in section]
    assert set(topics) >= {layer_topic(t) for t in CATALOG} | {glossary_topic(k) for k in GLOSSARY}
    for topic in topics:
        for target in re.findall(r"href='([^']+)'", topic_html(topic)):
            assert target in topics, f"{topic} links to {target}"


@pytest.mark.parametrize("key", ["loss", "accuracy", "precision", "recall", "f1", "overfitting", "learning_rate",
                                 "epoch", "batch", "validation", "confusion_matrix", "r2", "mae"])
def test_the_glossary_explains_the_figures_of_the_train_and_evaluate_pages(key):
    entry = GLOSSARY[key]
    assert entry.title in topic_html(glossary_topic(key)) and len(entry.text) > 80
    assert all(other in GLOSSARY for other in entry.see_also)


def test_search_finds_titles_first_then_words_in_pages():
    found = search_topics("overfitting")
    assert found[0] == glossary_topic("overfitting")
    assert layer_topic("Dropout") in found
    assert search_topics("conv2d")[0] == layer_topic("Conv2d")
    assert search_topics("zzz no such word") == []
    assert topic_title(layer_topic("TransformerBlock")) == "Transformer block"


def test_an_unknown_topic_is_a_plain_error():
    with pytest.raises(NoHelpError, match="no help page for the layer type “Nope”"):
        topic_html("layer:Nope")
    with pytest.raises(NoHelpError):
        topic_html("elsewhere:x")
