"""Help inside the app, offline and without Qt: a plain-language guide for every layer type, a glossary of the
figures on the Train and Evaluate pages, and the help pages composed from them and the layer declarations."""

from workbench.core.help.glossary import GLOSSARY, GlossaryEntry
from workbench.core.help.guides import LAYER_GUIDES, LayerGuide
from workbench.core.help.pages import (NoHelpError, glossary_topic, help_index, layer_help, layer_topic,
                                       search_topics, shape_examples, topic_html, topic_title)

__all__ = ["GLOSSARY", "LAYER_GUIDES", "GlossaryEntry", "LayerGuide", "NoHelpError", "glossary_topic", "help_index",
           "layer_help", "layer_topic", "search_topics", "shape_examples", "topic_html", "topic_title"]
