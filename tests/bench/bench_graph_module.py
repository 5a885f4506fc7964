"""`GraphModule` against the same network written by hand: eager forward and backward on the MLP, CNN and ResNet
templates, one thread.

    .venv/bin/python tests/bench/bench_graph_module.py [--batches 1 32 256] [--seconds 6] [--markdown]

Each template's GraphModule is built from the template's graph; the hand-written module (an `nn.Sequential` for the
chains, a plain `nn.Module` whose `forward` adds the skips with `+` for the ResNet) is made of fresh torch layers
and loaded with the GraphModule's weights, and its outputs are checked equal before anything is timed. A timed step
is what training does: forward in training mode, the loss, backward, the gradients set to None. The two take turns
step by step, so a disturbance of the (shared) machine hits both alike, and each step is timed in CPU time of the
thread (one torch thread: waiting for a core does not count); the figures are the medians of the step times, and the
ratio is the median over the pairs of steps run back to back of GraphModule / hand-written (target: at most 1.05).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from workbench.core.build import build_module
from workbench.core.project import open_template


class HandResNet(nn.Module):
    """The ResNet template as one would write it: two residual blocks, the skips added with `+`."""

    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.conv2, self.bn2 = nn.Conv2d(32, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32)
        self.conv3, self.bn3 = nn.Conv2d(32, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32)
        self.conv4, self.bn4 = nn.Conv2d(32, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32)
        self.conv5, self.bn5 = nn.Conv2d(32, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32)
        self.relu = nn.ReLU()
        self.classifier = nn.Linear(32, 10)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(x)))
        x = self.relu(self.bn3(self.conv3(y)) + x)
        y = self.relu(self.bn4(self.conv4(x)))
        x = self.relu(self.bn5(self.conv5(y)) + x)
        return self.classifier(x.flatten(2).mean(dim=2))


def hand_written(template: str) -> nn.Module:
    if template == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(),
                             nn.Linear(32, 3))
    if template == "cnn":
        return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.25), nn.Linear(64, 10))
    return HandResNet()


def pair(template: str) -> tuple[nn.Module, nn.Module, tuple[int, ...]]:
    """The template's GraphModule, the hand-written module with its weights, and the shape of one sample."""
    graph = open_template(template).graph
    graph_module = build_module(graph)
    hand = hand_written(template)
    theirs = list(graph_module.state_dict().values())
    ours = hand.state_dict()
    if len(theirs) != len(ours):
        raise SystemExit(f"{template}: {len(theirs)} tensors against {len(ours)} in the hand-written module")
    hand.load_state_dict({key: value.clone() for key, value in zip(ours, theirs)})
    sample = tuple(graph_module.input_infos[0].shape[1:])
    x = torch.randn(5, *sample, generator=torch.Generator().manual_seed(0))
    graph_module.eval()
    hand.eval()
    with torch.no_grad():
        if not torch.equal(graph_module(x), hand(x)):
            raise SystemExit(f"{template}: the hand-written module does not compute what the GraphModule does")
    return graph_module.train(), hand.train(), sample


def step_fn(module: nn.Module, x, target):
    loss_fn = nn.CrossEntropyLoss()
    params = list(module.parameters())

    def step():
        loss_fn(module(x), target).backward()
        for p in params:
            p.grad = None

    return step


def step_us(step) -> float:
    """The CPU time of one step of this thread, in microseconds (with one torch thread the work runs on it, and
    waiting for a core on a shared machine does not count)."""
    start = time.thread_time_ns()
    step()
    return (time.thread_time_ns() - start) / 1e3


def measure(template: str, batch: int, budget_s: float) -> tuple[float, float, float]:
    """Median step times of the GraphModule and the hand-written module, and the median ratio of the pairs of
    steps; the two take turns step by step (the order swapping each round) until `budget_s` of wall time has
    passed."""
    graph_module, hand, sample = pair(template)
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(batch, *sample, generator=generator)
    classes = 3 if template == "mlp" else 10
    target = torch.randint(0, classes, (batch,), generator=generator)
    steps = {"graph": step_fn(graph_module, x, target), "hand": step_fn(hand, x, target)}
    for _ in range(3):  # warm up both
        for step in steps.values():
            step()
    times: dict[str, list[float]] = {"graph": [], "hand": []}
    end = time.perf_counter() + budget_s
    r = 0
    while time.perf_counter() < end or r < 10:
        order = ("graph", "hand") if r % 2 == 0 else ("hand", "graph")
        for name in order:
            times[name].append(step_us(steps[name]))
        r += 1
    ratios = [g / h for g, h in zip(times["graph"], times["hand"])]  # each pair ran back to back
    return statistics.median(times["graph"]), statistics.median(times["hand"]), statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--templates", nargs="+", default=["mlp", "cnn", "resnet"])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 32, 256])
    parser.add_argument("--seconds", type=float, default=6.0, help="wall time per case, both ways")
    parser.add_argument("--markdown", action="store_true", help="print a table for docs/benchmarks.md")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    worst = 0.0
    for template in args.templates:
        for batch in args.batches:
            graph_us, hand_us, ratio = measure(template, batch, args.seconds)
            worst = max(worst, ratio)
            rows.append((template, batch, graph_us, hand_us, ratio))
            if not args.markdown:
                print(f"{template:<8} batch {batch:>4}: GraphModule {graph_us:9.1f} us, hand-written {hand_us:9.1f} us,"
                      f" ratio {ratio:.3f}", flush=True)
    if args.markdown:
        print("| template | batch | GraphModule (µs per step) | hand-written (µs per step) | GraphModule / hand |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for template, batch, graph_us, hand_us, ratio in rows:
            print(f"| {template} | {batch} | {graph_us:,.1f} | {hand_us:,.1f} | {ratio:.3f} |")
    print(f"worst ratio {worst:.3f} (target: at most 1.05): {'met' if worst <= 1.05 else 'missed'}")


if __name__ == "__main__":
    main()
