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
    # "sequence", "tokens", "features"; see workbench.core.help.pages); empty: the first two it accepts


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
_EPS_NOTE = "Leave it as it is: it only keeps the arithmetic safe when all the values are nearly the same."
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
    "MultiLabelHead": LayerGuide(
        "The end of a network that answers several yes-or-no questions about each sample at once, such as which "
        "topics an article is about or which of several traits a picture has. Each label gets its own probability "
        "from 0 to 1; every label above 0.5 is part of the answer, so a sample can have none, one or several.",
        "Use it when each sample can carry several labels together. Choosing a dataset whose target is several "
        "0/1 columns, or one column of labels separated by ';' or '|', puts it in place.",
        {"labels": "How many labels there are. The Data page sets it from the data."},
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
        "The usual activation inside Transformers; elsewhere ReLU does as well.",
        {"approximation": "Leave it at none. An imported model (GPT-2 and BERT-like ones, say) may use tanh: keep "
                          "what it was trained with."}),
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
    "AvgPool1d": LayerGuide(
        "Shrinks a sequence or signal by averaging each window of steps.",
        "Use it after Conv1d to make a signal shorter and smoother; MaxPool1d is the more common choice for "
        "spotting short patterns.",
        _POOL_SETTINGS,
        inputs=("signal",)),
    "GlobalMaxPool": LayerGuide(
        "Keeps only the largest value of each channel over the whole picture or signal, leaving one number per "
        "channel: how strongly the channel's pattern was found anywhere.",
        "Use it at the end of a convolutional network instead of Flatten, when it matters whether a pattern is "
        "there at all rather than how much of it there is; GlobalAvgPool is the gentler choice. It has no weights "
        "and works for any picture size.",
        inputs=("image", "signal")),
    "AdaptiveAvgPool2d": LayerGuide(
        "Averages a picture of any size down to a fixed height and width, choosing the windows for you. With the "
        "output size 1, 1 it averages each channel over the whole picture, like GlobalAvgPool, but keeps a height "
        "and width of 1.",
        "Use it before the Dense part of an image network so that pictures of other sizes still fit. Put a "
        "Flatten after it, since a Dense layer needs a row. Imported models (ResNet and others) often use it.",
        {"output_size": "Height first, then width; 1, 1 is the usual choice. A size larger than the input only "
                        "stretches it."},
        inputs=("image", "features")),
    "Upsample": LayerGuide(
        "Makes a picture or signal bigger by a whole factor. Nothing is learned: each new value is a copy of its "
        "nearest neighbour, or (for pictures) a blend of the four nearest.",
        "Use it in networks that produce pictures or maps, often followed by a Conv2d that cleans up the result. "
        "It is a cheaper alternative to ConvTranspose2d. Networks that only classify do not need it.",
        {"scale": "2 doubles the height and width of a picture, or the length of a signal.",
         "mode": "Nearest gives blocky results and works on signals too; bilinear is smoother but only works on "
                 "pictures."},
        inputs=("image", "signal")),
    "GroupNorm": LayerGuide(
        "Splits the channels into groups and rescales each group of each sample on its own, so that its values "
        "average 0 with a spread of 1; a learned scale and offset per channel follow. Unlike BatchNorm it never "
        "looks at the other samples of the batch.",
        "Use it instead of BatchNorm2d when batches are small (a few pictures at a time), where batch averages "
        "jump about. With 1 group it rescales each whole sample at once; with one group per channel it works "
        "like InstanceNorm2d.",
        {"groups": "The number of input channels must divide evenly by it: 8 groups suit 16, 32 or 64 channels.",
         "eps": _EPS_NOTE},
        inputs=("features", "signal")),
    "InstanceNorm2d": LayerGuide(
        "Rescales each channel of each picture on its own, so that its values average 0 with a spread of 1. It "
        "removes overall brightness and contrast, and never looks at the other pictures of the batch, during "
        "training or after.",
        "Mostly used in networks that change the style of pictures. For classifying, BatchNorm2d or GroupNorm "
        "usually work better.",
        {"affine": "Leave it on so that the network can learn how much of each channel's range to give back.",
         "eps": _EPS_NOTE},
        inputs=("image", "features")),
    "LRN": LayerGuide(
        "Local response normalisation: each value is divided by an amount that grows with the strength of the "
        "same spot in the neighbouring channels, so a strong channel quietens the channels next to it.",
        "Found in older image networks (AlexNet, GoogLeNet) and models imported from them. In a new network, "
        "BatchNorm2d does this job better.",
        {"size": "Counts the channel itself and its neighbours on both sides.",
         "alpha": "Divided by the size before use; keep the value of the network you are copying.",
         "beta": "Keep the value of the network you are copying; 0.75 is the usual one.",
         "k": "The amount the divisor starts from; with 1, weak neighbours leave a value almost as it is."},
        inputs=("features", "signal")),
    "ELU": LayerGuide(
        "Like ReLU for positive numbers; negative numbers curve smoothly down towards minus alpha instead of "
        "becoming zero, so no unit goes silent for good.",
        "An alternative to ReLU that sometimes trains a little faster in deeper networks.",
        {"alpha": "1 is usual: very negative inputs come out close to -1."}),
    "SELU": LayerGuide(
        "A scaled ELU: negative numbers curve towards a fixed floor, and everything is multiplied by a fixed "
        "factor chosen so that, in a long stack of Dense layers, values tend to keep an average near 0 and a "
        "spread near 1 without any normalisation layer.",
        "Try it between the Dense layers of a deep table network instead of ReLU with BatchNorm1d. Its promise "
        "also depends on how the Dense weights start, which Workbench does not set up for it, so compare it with "
        "ReLU on your data; outside plain stacks of Dense layers ReLU does as well.",
        inputs=("table",)),
    "Softplus": LayerGuide(
        "A smooth version of ReLU: large numbers pass almost unchanged, very negative ones come out near zero, "
        "and the bend around zero is rounded. The result is always above zero.",
        "Use it where a value must stay positive, such as a size or a spread the network predicts; in hidden "
        "layers ReLU is the usual choice.",
        {"beta": "Higher makes the bend sharper and closer to ReLU; lower makes it rounder."}),
    "LogSoftmax": LayerGuide(
        "Turns a row of scores into chances that add up to 1, like Softmax, and gives the logarithm of each "
        "chance (0 for certain, ever more negative for unlikely).",
        "Rarely needed: the classification output already does this when it works out its loss. You mostly meet "
        "it in imported models.",
        inputs=("table",)),
    "PReLU": LayerGuide(
        "Like LeakyReLU, but the network learns how much of each negative number to let through instead of you "
        "setting it (it starts at a quarter).",
        "Try it instead of ReLU in image networks; it costs only a few weights.",
        {"per_channel": "Axis 1 is the channels of a picture or the features of a row. On a sequence (batch, time, "
                        "features) axis 1 is the time steps, so turn this off there."}),
    "Dropout2d": LayerGuide(
        "While training, switches off whole channels of a picture at random (every value of a channel at once), "
        "so the network cannot lean on any single channel. After training it does nothing.",
        "Use it between the Conv2d layers of an image network that overfits; Dropout, which switches off single "
        "values, does little there because neighbouring values are so alike.",
        {"rate": "0.1 to 0.3 is usual for channels. Too high and the network cannot learn at all."},
        inputs=("features",)),
    "Identity": LayerGuide(
        "Passes its input on exactly as it is. Nothing is learned and nothing changes.",
        "Useful as a stand-in while you build: a fixed point to connect branches to, or the place of a layer you "
        "took out. Imported models sometimes contain it."),
    "Permute": LayerGuide(
        "Swaps the axes of each sample around, for example turning 20 steps of 32 features into 32 channels of 20 "
        "steps. The numbers themselves are only moved, not changed.",
        "Use it to hand a sequence (time, features) to Conv1d or MaxPool1d, which want (channels, length), and "
        "back again. Reshape is different: it keeps the order of the numbers and only regroups them.",
        {"order": "List every axis of the sample once, counting from 1: for a sequence, 2, 1 swaps time and "
                  "features; for a picture, 1, 3, 2 swaps height and width."},
        inputs=("sequence", "signal")),
    "Pad": LayerGuide(
        "Adds a border around a picture or at both ends of a signal: rows and columns of a fixed number, a "
        "mirror image of the edge, or copies of the edge.",
        "Use it when a layer needs a bigger input than it gets, or to keep the size before a convolution "
        "without padding. Imported models often use it; Conv2d's own padding setting is simpler when zeros do.",
        {"padding": "Two numbers per axis, before and after, starting with the last axis: left, right, top, "
                    "bottom for a picture; just start, end for a signal.",
         "mode": "Mirror (reflect) needs each border smaller than the side it mirrors; mirror and repeat need a "
                 "pair of numbers for every axis after the channels.",
         "value": "Only used with the constant mode."},
        inputs=("image",)),
    "ChannelShuffle": LayerGuide(
        "Deals the channels out like cards: with 2 groups, the first channel of the first half is followed by the "
        "first of the second half, and so on. Values are only moved, not changed.",
        "Use it between grouped convolutions (Conv2d with Groups above 1), so that the next convolution's groups "
        "each see channels from every group before it, as ShuffleNet does.",
        {"groups": "Use the groups of the convolution before it; the number of channels must divide evenly by "
                   "it."},
        inputs=("features", "signal")),
    "Multiply": LayerGuide(
        "Multiplies its inputs together number by number; they must have the same shape.",
        "Use it as a gate: one branch passes through a Sigmoid (values between 0 and 1) and decides how much of "
        "the other branch gets through, as in squeeze-and-excitation blocks and attention."),
    "MultiHeadAttention": LayerGuide(
        "Lets every step of a sequence look at every other step and take in what matters to it (attention). "
        "Several heads do this side by side, each free to look for a different kind of relation.",
        "Use it to build your own Transformer-like blocks: unlike a Transformer block it has no Dense part, no "
        "normalisation and no skip connection, so add those yourself (Add, LayerNorm, Dense) or use a "
        "Transformer block instead.",
        {"heads": "Each head looks for a different kind of relation; the vector length of the input must divide "
                  "by it.",
         "dropout": "Leave it at 0 on small data; 0.1 is usual against overfitting."},
        inputs=("sequence",)),
    "PositionalEncoding": LayerGuide(
        "Adds a different pattern of numbers to each step, depending on where it stands in the sequence. "
        "Attention on its own sees the steps as a bag without order; with this it can tell first from last.",
        "Put it after the Embedding and before the first Transformer block or attention layer. Recurrent layers "
        "(LSTM, GRU) and convolutions do not need it: they read the order anyway.",
        {"kind": "Learned has weights for each step up to the sequence length it is built for; sinusoidal has no "
                 "weights, which can help when there is little data."},
        inputs=("sequence",)),
    "SequenceConv": LayerGuide(
        "Slides small learned filters along a sequence: each step's output is made from that step and its "
        "neighbours, so a word is read with the words around it (\"not good\" differs from \"good\"). The "
        "padding after a text's end counts as nothing, so a short text reads the same however much padding follows "
        "it.",
        "Put it after the Embedding, before positions and attention, when there are only a few hundred texts: "
        "attention alone then learns which words belong together too slowly, and this hands it short phrases "
        "ready-made. Follow it with an activation such as ReLU.",
        {"filters": "Usually the Embedding's size, so the layers after it keep their sizes.",
         "kernel_size": "3 sees a word and one neighbour on each side; 5 two, enough for \"not very good\"."},
        inputs=("sequence",)),
    "UnsupportedOnnx": LayerGuide(
        "A stand-in that an imported ONNX model leaves where it uses an operation Workbench has no layer for (or "
        "could not convert). Its settings name the operation and the node of the model it came from. It does "
        "nothing: the network cannot be trained or exported while it is there.",
        "You do not add it yourself. When an import leaves one, look up what the named ONNX operation does, then "
        "replace the stand-in with a layer (or a few) that does the same and wire them in its place; if the "
        "operation only tidies up (a copy or a type change, say), delete the stand-in and connect the wires "
        "around it. Layers you add start with fresh weights, so train the network afterwards."),
    "Block": LayerGuide(
        "A group of layers used as one, such as a convolution with its normalisation and activation, or a residual "
        "unit. Its ports are the block's inputs and outputs; its shapes, parameters and problems are those of the "
        "layers inside it. Every instance of a block shares its definition: a change inside changes them all, each "
        "with weights of its own.",
        "Select layers and choose Make block (Ctrl+B) to turn them into one, or drag one from the palette's "
        "Blocks section. Double-click it to work inside; Expand puts its layers back into the network (right-click "
        "one of them, Collapse into block, to make them one again); Rename block renames it for every instance; "
        "and Make unique gives one instance a definition of its own to change apart from the others."),
    "BlockInput": LayerGuide(
        "Inside a block, the place where one of the block's inputs comes in, as the wire into that port of the "
        "block node.",
        "Make block adds one for every wire that enters the selection; wire it to the layers that read that input. "
        "Inside a block, add another from the palette's Block ports to give the block one more input."),
    "BlockOutput": LayerGuide(
        "Inside a block, the place where one of the block's outputs leaves, as the wire out of that port of the "
        "block node.",
        "Make block adds one for every wire that leaves the selection; wire the block's result into it. Inside a "
        "block, add another from the palette's Block ports to give the block one more output."),
}
