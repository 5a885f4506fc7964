"""The plain-language guide of every layer type: what it does, when to use it, and notes on settings whose own
help text is not enough. Written for someone who has never read a machine-learning text.

A layer type in the catalog without an entry here is a defect (tests/core/help checks it); the help page itself is
composed from the layer's declaration and this guide by `workbench.core.help.pages`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LayerGuide:
    """What a layer does and when to use it, in a few plain sentences, and notes on some of its settings."""

    what: str
    when: str
    settings: dict[str, str] = field(default_factory=dict)  # setting name -> a note beyond the setting's help
    inputs: tuple[str, ...] = ()  # the kinds of sample its help page shows it on ("table", "image", "signal",
    # "sequence", "tokens"; see workbench.core.help.pages); empty: the first two it accepts


_POOL_SETTINGS = {
    "kernel_size": "A window of 2 halves the size, a window of 3 with stride 2 roughly halves it too.",
    "stride": "Leave it at 0 so that the windows sit side by side without overlapping.",
}
_CONV_SETTINGS = {
    "filters": "Each filter learns to spot one kind of pattern; more filters see more kinds but cost more time "
               "and memory. 16 to 64 is usual for small images.",
    "kernel_size": "3 is the usual choice: a 3 by 3 window looks at each value and its neighbours.",
    "stride": "1 keeps the size; 2 halves it (a cheaper way to shrink than pooling).",
    "padding": "With kernel size 3, padding 1 keeps the height and width unchanged.",
    "dilation": "Spreads the window out, so it sees a wider area with the same number of weights. Leave it at 1 "
                "unless you know you need it.",
}
_NORM_MOMENTUM = {"momentum": "Leave it at 0.1: it only matters for the averages used after training."}
_RNN_SETTINGS = {
    "hidden_size": "Bigger memories can follow more, but train slower and overfit sooner. 32 to 128 is usual.",
    "num_layers": "Two stacked layers sometimes help on long or hard sequences; one is a good start.",
    "bidirectional": "Reading both ways helps when the end of a sentence explains its start. It doubles the size "
                     "of the output.",
    "return_sequences": "Leave it off when a classification or regression output follows directly; turn it on "
                        "to stack another recurrent layer or a Transformer block after this one.",
}

LAYER_GUIDES: dict[str, LayerGuide] = {
    "Input": LayerGuide(
        "The start of every network: it says what one sample looks like, for example 4 numbers for a row of a "
        "table or 1 x 8 x 8 for a small grey picture.",
        "Every network has one. You rarely set it by hand: choosing a dataset on the Data page fills it in.",
        {"shape": "Written without the batch, for example 1, 28, 28 for one grey 28 x 28 picture.",
         "dtype": "Choose whole numbers only when the data is text turned into token ids; an Embedding must "
                  "follow then."}),
    "ClassificationHead": LayerGuide(
        "The end of a network that sorts samples into classes (kinds), such as digits 0 to 9 or three species of "
        "flower. It gives a score to each class; the highest score is the network's answer.",
        "Use it whenever the answer is one of a fixed set of kinds. Choosing a dataset sets the number of classes.",
        {"classes": "How many different answers there are. The Data page sets it from the data."},
        inputs=("table", "sequence")),
    "RegressionHead": LayerGuide(
        "The end of a network that predicts numbers, such as a price or a temperature, instead of a kind.",
        "Use it when the answer is a quantity. Choosing a dataset whose target is a number puts it in place.",
        {"loss": "Squared error (mse) punishes big mistakes most; absolute error (mae) treats all mistakes "
                 "alike and minds outliers less."},
        inputs=("table",)),
    "Dense": LayerGuide(
        "Each output is a weighted sum of all the inputs, plus an offset. Training finds the weights. It is the "
        "basic building block of networks for tables.",
        "Use a few Dense layers with an activation such as ReLU between them for tables, or after Flatten at the "
        "end of an image network. It works on the last axis of its input; put a Flatten before it when the input "
        "is a picture.",
        {"units": "More units can learn more complicated patterns, but train slower and may overfit. Try 32 to "
                  "256."},
        inputs=("table",)),
    "Conv1d": LayerGuide(
        "Slides a small learned window along a sequence (a signal, a series of measurements over time) and "
        "reports how well each spot matches each of its filters.",
        "Use it on signals and time series, where nearby values belong together.",
        _CONV_SETTINGS,
        inputs=("signal",)),
    "Conv2d": LayerGuide(
        "Slides small learned windows (filters) over a picture. Each filter lights up where it finds its pattern: "
        "an edge, a corner, later a whole stroke or shape.",
        "The main layer of networks for images. Stack two or three, each followed by ReLU and often by pooling.",
        _CONV_SETTINGS),
    "ConvTranspose2d": LayerGuide(
        "The reverse of a strided Conv2d: it makes a picture bigger, filling in the new pixels with learned "
        "filters.",
        "Use it in networks that produce pictures or maps, such as autoencoders. Networks that only classify do "
        "not need it.",
        {**{k: v for k, v in _CONV_SETTINGS.items() if k != "dilation"}, "stride": "2 doubles the height and width.",
         "output_padding": "Adds one row and column when a stride above 1 leaves the size one short."}),
    "MaxPool1d": LayerGuide(
        "Shrinks a sequence by keeping only the largest value in each window.",
        "Use it after Conv1d to make sequences shorter and the network faster.",
        _POOL_SETTINGS,
        inputs=("signal",)),
    "MaxPool2d": LayerGuide(
        "Shrinks a picture by keeping only the strongest value in each small window, so a pattern still counts "
        "when it moves a little.",
        "Use it after a Conv2d and its activation; a window of 2 halves the height and width.",
        _POOL_SETTINGS),
    "AvgPool2d": LayerGuide(
        "Shrinks a picture by averaging each small window.",
        "A gentler alternative to MaxPool2d; max pooling is the more common choice for classifying.",
        _POOL_SETTINGS),
    "GlobalAvgPool": LayerGuide(
        "Averages each channel over the whole picture or signal, leaving one number per channel.",
        "Use it at the end of a convolutional network instead of Flatten: it has no weights and works for any "
        "picture size.",
        inputs=("image", "signal")),
    "SequencePool": LayerGuide(
        "Turns a whole sequence (many time steps) into one summary row: the average, the maximum or the last "
        "step.",
        "Use it after a Transformer block or a recurrent layer that returns every step, before the output.",
        {"mode": "Mean is a safe start; last suits a recurrent layer that read the whole sequence."},
        inputs=("sequence",)),
    "BatchNorm1d": LayerGuide(
        "Rescales each feature so that, over a batch, it averages 0 with a spread of 1. This keeps numbers in a "
        "comfortable range and usually lets training go faster.",
        "Put it after a Dense layer and before its activation in deeper table networks.",
        _NORM_MOMENTUM,
        inputs=("table", "signal")),
    "BatchNorm2d": LayerGuide(
        "Rescales each channel of a picture so that, over a batch, it averages 0 with a spread of 1; training "
        "becomes steadier and faster.",
        "Put it between a Conv2d and its ReLU in deeper image networks (the ResNet template does).",
        _NORM_MOMENTUM),
    "LayerNorm": LayerGuide(
        "Rescales the features of each sample on its own to average 0 with a spread of 1.",
        "Used in Transformers and recurrent networks, and whenever batches are small.",
        inputs=("table", "sequence")),
    "ReLU": LayerGuide(
        "Keeps positive numbers and turns negative ones into zero. Without such a bend between them, stacked "
        "layers could only learn straight-line relations.",
        "The default activation: put one after each Dense or Conv layer except the last."),
    "LeakyReLU": LayerGuide(
        "Like ReLU, but negative numbers are scaled down instead of set to zero, so no unit goes silent for good.",
        "Try it instead of ReLU when many units stop learning (the network gets stuck early).",
        {"negative_slope": "0.01 is usual: negative values keep one hundredth of their size."}),
    "GELU": LayerGuide(
        "A smooth version of ReLU that bends gently around zero.",
        "The usual activation inside Transformers; elsewhere ReLU does as well."),
    "SiLU": LayerGuide(
        "A smooth version of ReLU: each value times the sigmoid of itself.",
        "An alternative to ReLU in image networks; it sometimes trains a little better."),
    "Sigmoid": LayerGuide(
        "Squashes any number into the range 0 to 1.",
        "Use it when a value inside the network must stay between 0 and 1, like a gate. The outputs already "
        "handle classification, so do not put it before them.",
        inputs=("table",)),
    "Tanh": LayerGuide(
        "Squashes any number into the range -1 to 1.",
        "Use it when values must stay between -1 and 1; in hidden layers ReLU usually trains faster.",
        inputs=("table",)),
    "Softmax": LayerGuide(
        "Turns a row of scores into chances that add up to 1.",
        "Rarely needed: the classification output already does this for you. Use it only inside a network, for "
        "example to weigh several inputs.",
        inputs=("table",)),
    "Dropout": LayerGuide(
        "While training, randomly switches off a share of the values each time, so the network cannot lean on any "
        "single one. After training it does nothing.",
        "Use it when the network learns the training data by heart (overfitting): training accuracy climbs while "
        "validation accuracy stalls.",
        {"rate": "0.2 to 0.5 is usual. Too high and the network cannot learn at all."},
        inputs=("table", "image")),
    "Flatten": LayerGuide(
        "Lays out each sample as one long row, for example a 16 x 2 x 2 block as 64 numbers. Nothing is learned "
        "and nothing is lost.",
        "Put it between the picture part of a network (Conv, pooling) and the Dense layers that follow.",
        inputs=("image",)),
    "Reshape": LayerGuide(
        "Arranges the numbers of each sample into a new shape with the same total count, for example 64 numbers "
        "as 1 x 8 x 8.",
        "Use it to turn rows into a picture or a sequence. Flatten is simpler when you only need one long row.",
        {"target": "The total count must stay the same; write -1 for one axis to have it worked out for you."},
        inputs=("table",)),
    "Add": LayerGuide(
        "Adds its inputs together number by number; they must have the same shape.",
        "Use it for skip connections: the input of a block is added to its output, which lets deep networks "
        "train well (the ResNet template)."),
    "Concat": LayerGuide(
        "Puts its inputs side by side into one longer block along one axis.",
        "Use it to join two branches of a network, such as features from two different paths.",
        {"axis": "1 joins channels of pictures or features of rows; the other sizes must match."}),
    "Embedding": LayerGuide(
        "Turns each word or token, given as a whole-number id, into a list of learned numbers (a vector). Words "
        "used alike end up with similar vectors.",
        "The first layer after the Input of every network for text.",
        {"vocab_size": "Set from the data: the number of different tokens in the text.",
         "dim": "Longer vectors can hold more meaning; 16 to 128 is usual for small data."}),
    "LSTM": LayerGuide(
        "Reads a sequence one step at a time and carries a memory along, deciding at each step what to keep and "
        "what to forget.",
        "Use it for text and other sequences where order matters.",
        _RNN_SETTINGS,
        inputs=("sequence",)),
    "GRU": LayerGuide(
        "Reads a sequence one step at a time and carries a memory along, like an LSTM but simpler and a little "
        "faster.",
        "Use it for text and sequences; try it when an LSTM is slow.",
        _RNN_SETTINGS,
        inputs=("sequence",)),
    "TransformerBlock": LayerGuide(
        "Lets every step of a sequence look at every other step and pick what matters to it (attention), then "
        "passes each step through a small Dense network.",
        "Use it for text, after an Embedding and before a SequencePool. One or two blocks suit small data.",
        {"heads": "Each head looks for a different kind of relation; the vector length of the input must divide "
                  "by it.",
         "dropout": "A share of values switched off while training, against overfitting."},
        inputs=("sequence",)),
}
