"""Small networks in the styles people import (ResNet, VGG, SqueezeNet, DenseNet, ShuffleNet, an MLP, a text model),
written with plain torch and exported by torch's own ONNX exporter, as a colleague's model would be."""

from __future__ import annotations

import io
import warnings

import torch
from torch import nn
from torch.nn import functional as F


class ResNetStyle(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.block = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                                   nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8))
        self.down = nn.Conv2d(8, 16, 1, stride=2)
        self.block2 = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                                    nn.Conv2d(16, 16, 3, padding=1))
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = self.stem(x)
        x = F.relu(x + self.block(x))
        x = F.relu(self.down(x) + self.block2(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class ResidualUnit(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        return F.relu(x + self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class ResNetUnits(nn.Module):
    """A ResNet stage of three identical residual units (for digits: 1x8x8 in, 10 classes out)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU())
        self.layer1 = nn.Sequential(ResidualUnit(8), ResidualUnit(8), ResidualUnit(8))
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.layer1(self.stem(x)), 1), 1))


class VGGStyle(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1),
                                      nn.ReLU(), nn.MaxPool2d(2, 2), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(16 * 2 * 2, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 10))

    def forward(self, x):
        return self.classifier(self.features(x).view(x.size(0), -1))


class Fire(nn.Module):
    def __init__(self, c_in, squeeze, expand):
        super().__init__()
        self.squeeze = nn.Conv2d(c_in, squeeze, 1)
        self.expand1 = nn.Conv2d(squeeze, expand, 1)
        self.expand3 = nn.Conv2d(squeeze, expand, 3, padding=1)

    def forward(self, x):
        x = F.relu(self.squeeze(x))
        return torch.cat([F.relu(self.expand1(x)), F.relu(self.expand3(x))], 1)


class SqueezeNetStyle(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2), nn.ReLU(), nn.MaxPool2d(3, 2), Fire(16, 4, 8),
                                      Fire(16, 4, 8), nn.MaxPool2d(3, 2), Fire(16, 8, 16))
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(32, 6, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


class DenseLayer(nn.Module):
    def __init__(self, c_in, growth):
        super().__init__()
        self.norm = nn.BatchNorm2d(c_in)
        self.conv = nn.Conv2d(c_in, growth, 3, padding=1, bias=False)

    def forward(self, x):
        return torch.cat([x, self.conv(F.relu(self.norm(x)))], 1)


class DenseNetStyle(nn.Module):
    def __init__(self):
        super().__init__()
        layers = [nn.Conv2d(3, 8, 3, padding=1)]
        channels = 8
        for _ in range(4):
            layers.append(DenseLayer(channels, 4))
            channels += 4
        layers += [nn.BatchNorm2d(channels), nn.ReLU(), nn.Conv2d(channels, 12, 1), nn.AvgPool2d(2, stride=2)]
        for _ in range(3):
            layers.append(DenseLayer(12 + 4 * (len(layers) - 9), 4))
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(24, 4)

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(F.relu(self.features(x)), (1, 1)).flatten(1))


def channel_shuffle(x, groups: int):
    batch, channels, height, width = x.size()
    x = x.view(batch, groups, channels // groups, height, width).transpose(1, 2).contiguous()
    return x.view(batch, channels, height, width)


class ShuffleUnit(nn.Module):
    def __init__(self, channels, groups):
        super().__init__()
        self.groups = groups
        self.compress = nn.Conv2d(channels, channels, 1, groups=groups, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.depthwise = nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.expand = nn.Conv2d(channels, channels, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(channels)

    def forward(self, x):
        y = channel_shuffle(F.relu(self.bn1(self.compress(x))), self.groups)
        y = self.bn3(self.expand(self.bn2(self.depthwise(y))))
        return F.relu(x + y)


class ShuffleNetStyle(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 12, 3, stride=2, padding=1)
        self.units = nn.Sequential(ShuffleUnit(12, 3), ShuffleUnit(12, 3))
        self.fc = nn.Linear(12, 7)

    def forward(self, x):
        return self.fc(self.units(F.relu(self.stem(x))).mean(dim=(2, 3)))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 16),
                                 nn.LeakyReLU(0.1), nn.Linear(16, 8), nn.ELU(), nn.Linear(8, 8), nn.SELU(),
                                 nn.Linear(8, 3))

    def forward(self, x):
        return self.net(x)


class TextModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(50, 16)
        self.fc = nn.Linear(16, 16)
        self.out = nn.Linear(16, 2)

    def forward(self, tokens):
        return self.out(torch.sigmoid(self.fc(self.embed(tokens).mean(dim=1))))


MODELS = {"resnet": (ResNetStyle, (3, 16, 16)), "resnet_units": (ResNetUnits, (1, 8, 8)), "vgg": (VGGStyle, (1, 16, 16)),
          "squeezenet": (SqueezeNetStyle, (3, 33, 33)), "densenet": (DenseNetStyle, (3, 8, 8)),
          "shufflenet": (ShuffleNetStyle, (3, 16, 16)), "mlp": (MLP, (20,)), "text": (TextModel, (12,))}


def make_model(name: str, seed: int = 0) -> nn.Module:
    """The network, with random weights and batch-norm statistics (so folding them in is really tested)."""
    torch.manual_seed(seed)
    model = MODELS[name][0]()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.5, 0.5)
    return model.eval()


def export_bytes(name: str, opset: int, dynamic: bool = True, seed: int = 0, fold: bool = True) -> bytes:
    model = make_model(name, seed)
    shape = MODELS[name][1]
    example = torch.randint(0, 50, (2, *shape)) if name == "text" else torch.randn(2, *shape)
    buffer = io.BytesIO()
    axes = {"input": {0: "batch"}, "output": {0: "batch"}} if dynamic else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), buffer, dynamo=False, opset_version=opset, input_names=["input"],
                          output_names=["output"], dynamic_axes=axes, do_constant_folding=fold)
    return buffer.getvalue()
