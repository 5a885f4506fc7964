"""Help pages composed from the declarations: a layer's page from its `LayerSpec` (name, description, ports, settings
with their help, and shape examples worked out by its own shape rule) and its `LayerGuide`; a glossary entry's page
from the `GlossaryEntry`. Pages are HTML in the subset that Qt's rich text shows; topics are named "layer:Conv2d"
and "glossary:loss", which is also what links between pages point at.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from workbench.core.errors import ShapeError, WorkbenchError
from workbench.core.help.glossary import GLOSSARY
from workbench.core.help.guides import LAYER_GUIDES, LayerGuide
from workbench.core.layers import CATALOG, CATEGORIES, LayerSpec, Setting, TensorInfo, format_shape

LAYER_TOPIC = "layer:"
GLOSSARY_TOPIC = "glossary:"
EXAMPLE_INPUTS = {  # the kinds of sample a guide's `inputs` name, in the order tried when it names none
    "table": (TensorInfo((None, 16)), "a row of a table with 16 numbers"),
    "image": (TensorInfo((None, 3, 32, 32)), "a colour picture of 32 x 32 pixels (3 channels: red, green, blue)"),
    "signal": (TensorInfo((None, 8, 100)), "a signal of 100 time steps with 8 channels"),
    "sequence": (TensorInfo((None, 20, 32)), "a sequence of 20 steps, each a vector of 32 numbers"),
    "tokens": (TensorInfo((None, 20), "int"), "a text of 20 tokens (words), each a whole-number id"),
    "features": (TensorInfo((None, 16, 32, 32)), "what a Conv2d with 16 filters makes of a 32 x 32 picture "
                 "(16 channels)"),
}
MAX_EXAMPLES = 2
BOX_COLOURS = {"in": "#dbe8fb", "layer": "#fbe7cf", "out": "#d9f0e3"}
BOX_TEXT = "#1b1f24"  # dark on the light boxes, in a dark theme too


class NoHelpError(WorkbenchError):
    """A topic that has no help page."""


@dataclass(frozen=True)
class ShapeExample:
    """What one sample looks like going into a layer and coming out, as the layer's shape rule works it out."""

    caption: str
    inputs: tuple[str, ...]
    output: str


PLACEHOLDER_EXAMPLE = ShapeExample("Workbench cannot work out what comes out of it until it is replaced:",
                                   ("what the imported model sends in",), "unknown")
BLOCK_EXAMPLES = {  # a block's shapes are those of the layers inside it, so its page says where they come from
    "Block": ShapeExample("What comes out is what its layers make of what goes in:", ("what its inputs receive",),
                          "what its layers give"),
    "BlockInput": ShapeExample("Inside a block, it passes on what reaches the block's input:", (),
                               "what the block receives"),
    "BlockOutput": ShapeExample("Inside a block, what reaches it leaves the block:", ("what its layer gives",),
                                "what leaves the block"),
}


@dataclass(frozen=True)
class SettingHelp:
    label: str
    allowed: str  # "a whole number from 1 to 64; 3 unless you change it"
    help: str
    note: str


@dataclass(frozen=True)
class LayerHelp:
    """Everything the help page of one layer type says."""

    type_name: str
    title: str
    category: str
    summary: str
    guide: LayerGuide
    settings: tuple[SettingHelp, ...]
    takes: str
    examples: tuple[ShapeExample, ...]


def layer_topic(type_name: str) -> str:
    return LAYER_TOPIC + type_name


def glossary_topic(key: str) -> str:
    return GLOSSARY_TOPIC + key


def layer_help(type_name: str) -> LayerHelp:
    """The help of a layer type, from its declaration and its guide."""
    spec = CATALOG.get(type_name)
    guide = LAYER_GUIDES.get(type_name)
    if spec is None or guide is None:
        raise NoHelpError(f"There is no help page for the layer type “{type_name}”.")
    settings = tuple(SettingHelp(s.label, _allowed(s), s.help, guide.settings.get(s.name, "")) for s in spec.settings)
    return LayerHelp(spec.type_name, spec.display_name, spec.category, spec.description, guide, settings,
                     _takes(spec), shape_examples(spec))


def shape_examples(spec: LayerSpec) -> tuple[ShapeExample, ...]:
    """Up to two typical inputs that the layer accepts with its default settings, and the output of each; for a
    placeholder, whose shape rule always refuses, a diagram that says its output is unknown."""
    if spec.role == "placeholder":
        return (PLACEHOLDER_EXAMPLE,)
    if spec.type_name in BLOCK_EXAMPLES:
        return (BLOCK_EXAMPLES[spec.type_name],)
    params = spec.defaults()
    if not spec.inputs:
        out = spec.shape_rule(params, [])
        return (ShapeExample("With its default settings:", (), _describe(out)),)
    guide = LAYER_GUIDES.get(spec.type_name)
    examples = []
    for kind in (guide.inputs if guide and guide.inputs else EXAMPLE_INPUTS):
        example, words = EXAMPLE_INPUTS[kind]
        ins = [example, example] if spec.inputs[0].multi else [example]
        try:
            out = spec.shape_rule(params, ins)
        except (ShapeError, ValueError, KeyError):
            continue
        caption = f"For {'two inputs, each ' if len(ins) > 1 else ''}{words}:"
        examples.append(ShapeExample(caption, tuple(_describe(t) for t in ins), _describe(out)))
        if len(examples) == MAX_EXAMPLES:
            break
    return tuple(examples)


def _describe(t: TensorInfo) -> str:
    return format_shape(t.shape) + (" token ids" if t.dtype == "int" else "")


def _takes(spec: LayerSpec) -> str:
    if not spec.inputs:
        return "It has no input wire: samples enter the network here."
    if spec.role == "placeholder":
        return "It takes the wires of the operation it stands for; nothing can pass through it."
    if spec.inputs[0].multi:
        return "It takes two or more wires into its input."
    if spec.role == "head":
        return "It takes one wire and ends the network: nothing follows it."
    return "It takes one wire in and sends its result out along any number of wires."


def _number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _allowed(s: Setting) -> str:
    if s.kind == "bool":
        kind = "on or off"
        default = "on" if s.default else "off"
    elif s.kind == "text":
        return "a name filled in by the import; it cannot be changed"
    elif s.kind == "choice":
        kind = "one of " + ", ".join(s.choices)
        default = str(s.default)
    else:
        kind = {"int": "a whole number", "float": "a number", "tuple": "a list of whole numbers"}[s.kind]
        if s.kind == "tuple":
            count = (str(s.min_length) if s.min_length == s.max_length else f"{s.min_length} to {s.max_length}")
            kind = f"a list of {count} whole number{'s' if s.max_length > 1 else ''}"
        if s.minimum is not None and s.maximum is not None:
            kind += f" from {_number(s.minimum)} to {_number(s.maximum)}"
        elif s.minimum is not None:
            kind += f" of at least {_number(s.minimum)}"
        default = ", ".join(str(v) for v in s.default) if s.kind == "tuple" else _number(s.default)
    return f"{kind}; {default} unless you change it"


# --- HTML ---------------------------------------------------------------------------------------------------------

def _box(text: str, colour: str) -> str:
    return (f"<td bgcolor='{colour}' valign='middle' style='padding:6px 10px; color:{BOX_TEXT}'>"
            f"{html.escape(text)}</td>")


def _diagram(title: str, example: ShapeExample) -> str:
    cells = "<td valign='middle' style='padding:0 6px'>+</td>".join(_box(t, BOX_COLOURS["in"])
                                                                     for t in example.inputs)
    arrow = "<td valign='middle' style='padding:0 6px'>→</td>"
    row = (cells + arrow if cells else "") + _box(title, BOX_COLOURS["layer"]) + arrow + _box(example.output,
                                                                                            BOX_COLOURS["out"])
    return (f"<p style='margin-bottom:2px'>{html.escape(example.caption)}</p>"
            f"<table cellspacing='0' cellpadding='0' style='margin:2px 0 8px 0'><tr>{row}</tr></table>")


def layer_html(type_name: str) -> str:
    page = layer_help(type_name)
    e = html.escape
    parts = [f"<p style='color:gray'>{e(page.category)}</p><h2>{e(page.title)}</h2>",
             f"<p><i>{e(page.summary)}.</i></p>",
             f"<h3>What it does</h3><p>{e(page.guide.what)}</p>",
             f"<h3>When to use it</h3><p>{e(page.guide.when)}</p>"]
    if page.examples:
        parts.append("<h3>What goes in and what comes out</h3><p>One sample, with <i>batch</i> standing for however "
                     f"many samples go through at once. {e(page.takes)}</p>")
        parts.extend(_diagram(page.title, example) for example in page.examples)
    parts.append("<h3>Settings</h3>")
    if page.settings:
        rows = []
        for s in page.settings:
            note = f"<br>{e(s.note)}" if s.note else ""
            rows.append(f"<li><b>{e(s.label)}</b> ({e(s.allowed)}): {e(s.help)}.{note}</li>")
        parts.append("<ul>" + "".join(rows) + "</ul>")
    else:
        parts.append(f"<p>{e(page.title)} has no settings: there is nothing to choose.</p>")
    return "".join(parts)


def glossary_html(key: str) -> str:
    entry = GLOSSARY.get(key)
    if entry is None:
        raise NoHelpError(f"There is no glossary entry “{key}”.")
    see = ", ".join(f"<a href='{glossary_topic(k)}'>{html.escape(GLOSSARY[k].title)}</a>" for k in entry.see_also)
    return (f"<p style='color:gray'>Glossary</p><h2>{html.escape(entry.title)}</h2><p>{html.escape(entry.text)}</p>"
            + (f"<p>See also: {see}.</p>" if see else ""))


def topic_html(topic: str) -> str:
    """The page of "layer:TYPE" or "glossary:KEY"."""
    if topic.startswith(LAYER_TOPIC):
        return layer_html(topic[len(LAYER_TOPIC):])
    if topic.startswith(GLOSSARY_TOPIC):
        return glossary_html(topic[len(GLOSSARY_TOPIC):])
    raise NoHelpError(f"There is no help page “{topic}”.")


def topic_title(topic: str) -> str:
    if topic.startswith(LAYER_TOPIC):
        return CATALOG[topic[len(LAYER_TOPIC):]].display_name
    return GLOSSARY[topic[len(GLOSSARY_TOPIC):]].title


def help_index() -> list[tuple[str, list[str]]]:
    """The help's contents: (section, topics) for each layer category that has layers, then the glossary."""
    sections = []
    for category in CATEGORIES:
        topics = [layer_topic(t) for t, spec in CATALOG.items() if spec.category == category and t in LAYER_GUIDES]
        if topics:
            sections.append((f"Layers: {category}", topics))
    glossary = sorted(GLOSSARY, key=lambda k: GLOSSARY[k].title.lower())
    sections.append(("Glossary", [glossary_topic(k) for k in glossary]))
    return sections


def search_topics(text: str) -> list[str]:
    """The topics whose title or page contains every word of `text`, titles that match first."""
    words = text.lower().split()
    all_topics = [t for _, topics in help_index() for t in topics]
    if not words:
        return all_topics
    in_title, in_text = [], []
    for topic in all_topics:
        title = topic_title(topic).lower()
        body = topic_html(topic).lower()
        if all(w in title for w in words):
            in_title.append(topic)
        elif all(w in title or w in body for w in words):
            in_text.append(topic)
    return in_title + in_text
