"""Benchmark: variants of the Transformer template on a few hundred generated reviews, to find defaults that learn.

Each variant is trained by a plain PyTorch loop that follows the template's settings (Adam, batch 32, up to 100
epochs, early stopping with patience 20 and the best weights restored) on the 300 reviews of the built-in
`reviews` (the same 70/15/15 split as bench_text.py), with the template's own modules (`TransformerBlock`,
`PositionalEncoding`, `SequencePool`, the padding mask). A variant may add a local-context stem (a Conv1d over the
embeddings, padding zeroed first, then ReLU), drop whole tokens in training, pool otherwise ("mean+max": both,
side by side) or stop on the validation accuracy instead of the loss. These are not (yet) in the catalog: the
script measures which would be worth building. Prints each variant's test accuracy per seed and their mean.

Not part of the test suite. Run:  .venv/bin/python tests/bench/bench_text_variants.py VARIANTS.txt [--rows 300]
[--seeds 0,1,2] [--data-seed 0], where each line of VARIANTS.txt is ``name|{model options}|{training options}``,
e.g. ``conv5 last|{"dim": 32, "heads": 4, "ff": 64, "conv": 5, "pool": "last"}|{"monitor": "val_accuracy"}``.
"""

from __future__ import annotations

import argparse
import copy
import json
import time

import numpy as np
import torch
from torch import nn

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.layers.modules import PositionalEncoding, SequencePool, TransformerBlock, padding_mask

SPLIT = {"train": 0.7, "val": 0.15, "test": 0.15, "seed": 0, "stratify": True}


class Variant(nn.Module):
    """Embedding, [local-context stem], positions, Transformer blocks, [LayerNorm], pooling, a linear head."""

    def __init__(self, vocab: int, time_steps: int, dim=32, blocks=1, heads=4, ff=64, drop=0.1, conv=0,
                 token_drop=0.0, pool="mean", pos="learned", final_norm=False):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.conv = nn.Conv1d(dim, dim, conv, padding=conv // 2) if conv else None
        self.positions = PositionalEncoding(pos, time_steps, dim)
        self.blocks = nn.ModuleList([TransformerBlock(dim, heads, ff, drop) for _ in range(blocks)])
        self.norm = nn.LayerNorm(dim) if final_norm else nn.Identity()  # the encoder's final LayerNorm
        self.pools = [SequencePool(mode) for mode in pool.split("+")]
        self.head = nn.Linear(dim * len(self.pools), 2)
        self.token_drop = token_drop

    def forward(self, ids):
        mask = padding_mask(ids)
        x = self.embed(ids)
        if self.training and self.token_drop:
            x = x * (torch.rand(ids.shape) >= self.token_drop).unsqueeze(2).to(x.dtype)
        if self.conv is not None:  # padding zeroed, so a padded and an unpadded text read alike
            x = x * mask.unsqueeze(2).to(x.dtype)
            x = torch.relu(self.conv(x.transpose(1, 2)).transpose(1, 2))
        x = self.positions(x)
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        return self.head(torch.cat([pool(x, mask) for pool in self.pools], dim=1))


def train_variant(dataset, seed: int, model_options: dict, lr=0.003, epochs=100, patience=20,
                  monitor="val_loss") -> tuple[float, int, int]:
    """Test accuracy of the best epoch's weights, the best epoch and the epochs run."""
    x, y = torch.as_tensor(np.asarray(dataset.x)).long(), torch.as_tensor(np.asarray(dataset.y)).long()
    splits = {k: torch.as_tensor(v) for k, v in dataset.splits.items()}
    torch.manual_seed(seed)
    model = Variant(dataset.vocab_size, x.shape[1], **model_options)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    x_train, y_train = x[splits["train"]], y[splits["train"]]
    best, best_state, best_epoch, waited = float("inf"), None, 0, 0
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        for start in range(0, len(x_train), 32):
            batch = order[start:start + 32]
            loss = nn.functional.cross_entropy(model(x_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            out = model(x[splits["val"]])
        value = nn.functional.cross_entropy(out, y[splits["val"]]).item()
        if monitor == "val_accuracy":
            value = -(out.argmax(1) == y[splits["val"]]).float().mean().item()
        if value < best:
            best, best_state, best_epoch, waited = value, copy.deepcopy(model.state_dict()), epoch + 1, 0
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    model.eval()
    with torch.no_grad():
        accuracy = (model(x[splits["test"]]).argmax(1) == y[splits["test"]]).float().mean().item()
    return accuracy, best_epoch, epoch + 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("variants")
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--data-seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "reviews",
                                  "options": {"n_samples": args.rows, "seed": args.data_seed}, "split": SPLIT})
    dataset = load_dataset(spec)
    for line in open(args.variants):
        if not line.strip() or line.startswith("#"):
            continue
        name, model_options, training = line.split("|")
        started = time.perf_counter()
        results = [train_variant(dataset, int(seed), json.loads(model_options), **json.loads(training))
                   for seed in args.seeds.split(",")]
        print(f"{name}: test {np.mean([r[0] for r in results]):.1%} (seeds: "
              f"{', '.join(f'{r[0]:.0%} best {r[1]}/{r[2]}' for r in results)}) {time.perf_counter() - started:.0f} s",
              flush=True)


if __name__ == "__main__":
    main()
