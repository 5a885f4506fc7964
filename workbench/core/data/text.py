"""Text in a table column as token ids, for the sequence templates (Embedding, recurrent and attention layers).

Text is split into words (``\\w+`` runs and single punctuation marks) or characters, lower-cased unless asked
otherwise. The vocabulary comes from the training rows only: ``<pad>`` (id 0), ``<unk>`` (id 1), then the tokens
seen at least ``min_freq`` times, most frequent first (ties in alphabetical order), up to ``max_vocab`` entries; a
rarer token reads as ``<unk>``, so the model learns what an unknown word is before it meets one in new text. Each
text becomes ``max_len`` ids (by default the length of 95% of the training texts, at most 512), cut at the end when
longer and padded with 0 at the end when shorter; the network's padding mask leaves the padding out. The report
says the vocabulary, the length, how many texts were cut and how many tokens of the validation and test rows are
unknown.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

import numpy as np

from workbench.core.data.columns import canonical_text
from workbench.core.data.dataset import Dataset
from workbench.core.errors import DataError

PAD, UNK = "<pad>", "<unk>"
WORD_RE = re.compile(r"\w+|[^\w\s]")
DEFAULT_MAX_VOCAB = 20_000
DEFAULT_MIN_FREQ = 2
MAX_AUTO_LEN = 512


def tokenize(text: str, mode: str, lowercase: bool = True) -> list[str]:
    if lowercase:
        text = text.lower()
    return WORD_RE.findall(text) if mode == "words" else list(text)


def build_vocab(token_lists: list[list[str]], max_vocab: int, min_freq: int = 1) -> list[str]:
    counts = Counter(itertools.chain.from_iterable(token_lists))
    ranked = sorted(((tok, n) for tok, n in counts.items() if n >= min_freq), key=lambda kv: (-kv[1], kv[0]))
    return [PAD, UNK] + [tok for tok, _ in ranked[:max(max_vocab - 2, 0)]]


def unknown_tokens(tokens: list[list[str]], splits: dict, vocab: list[str], unit: str) -> str | None:
    """How many tokens of the validation and test rows the vocabulary does not know, in words for the report."""
    known = set(vocab)
    parts = []
    for split, words in (("val", "validation"), ("test", "test")):
        rows = [tokens[i] for i in splits.get(split, [])]
        total = sum(len(t) for t in rows)
        if total:
            unknown = sum(1 for t in rows for tok in t if tok not in known)
            parts.append(f"{unknown:,} of the {total:,} {unit}s of the {words} rows ({100 * unknown / total:.1f}%)")
    if not parts:
        return None
    return " and ".join(parts) + " are not in the vocabulary and read as unknown"


def encode_token_lists(token_lists: list[list[str]], vocab: list[str], max_len: int) -> np.ndarray:
    index = {tok: i for i, tok in enumerate(vocab)}
    out = np.zeros((len(token_lists), max_len), dtype=np.int64)
    for i, tokens in enumerate(token_lists):
        ids = [index.get(t, 1) for t in tokens[:max_len]]
        out[i, :len(ids)] = ids
    return out


def encode_texts(texts: list, pre: dict) -> np.ndarray:
    """Raw texts -> int64 (n, max_len) ids with the recorded vocabulary (used for new data)."""
    token_lists = [tokenize(canonical_text(t) or "", pre["mode"], pre["lowercase"]) for t in texts]
    return encode_token_lists(token_lists, pre["vocab"], pre["max_len"])


class TextBuilder:
    """Plugs into `build_table`: picks the text column and builds the token dataset."""

    def __init__(self, text_options: dict | None):
        self.options = text_options

    def plan(self, plans):
        if not self.options:
            return None
        name = self.options["column"]
        for plan in plans:
            if plan.data.name == name:
                if plan.role == "target":
                    raise DataError(f"Column {name!r} is the target, so it cannot also be the text input.")
                if plan.data.strings is None:
                    raise DataError(f"Column {name!r} was not read as text.")
                return plan
        raise DataError(f"There is no column {name!r} to read text from.")

    def build(self, plan, kept_rows, splits, y, task, class_names, target_info, source, report, reporter, plans):
        opts = self.options
        mode = opts.get("mode", "words")
        lowercase = opts.get("lowercase", True)
        max_vocab = opts.get("max_vocab", DEFAULT_MAX_VOCAB)
        min_freq = opts.get("min_freq", DEFAULT_MIN_FREQ)
        every = list(itertools.chain.from_iterable(plan.data.strings))
        texts = [every[i] for i in kept_rows]
        del every
        tokens = [tokenize(canonical_text(t) or "", mode, lowercase) for t in texts]
        train_tokens = [tokens[i] for i in splits["train"]]
        vocab = build_vocab(train_tokens, max_vocab, min_freq)
        max_len = opts.get("max_len")
        lengths = np.array([len(t) for t in train_tokens])
        if max_len is None:
            max_len = int(min(max(np.percentile(lengths, 95) if len(lengths) else 1, 1), MAX_AUTO_LEN))
            how = "the length of 95% of the training texts"
        else:
            how = "as chosen"
        x = encode_token_lists(tokens, vocab, max_len)
        unit = "word" if mode == "words" else "character"
        cut = int((np.array([len(t) for t in tokens]) > max_len).sum())
        empty = sum(1 for t in tokens if not t)
        line = (f"Column {plan.data.name!r}: the input, text split into {unit}s; a vocabulary of {len(vocab)} "
                f"tokens from the training rows (ids 0 and 1 are padding and unknown"
                + (f"; {unit}s seen fewer than {min_freq} times read as unknown" if min_freq > 1 else "")
                + f"); every text padded or cut to {max_len} {unit}s ({how})")
        unknown = unknown_tokens(tokens, splits, vocab, unit)
        if unknown:
            line += f"; {unknown}"
        if cut:
            line += f"; {cut} text{'s were' if cut != 1 else ' was'} longer and cut"
        if empty:
            line += f"; {empty} empty"
        for other in plans:
            if other is plan:
                report.append(line + ".")
            elif other.role == "target":
                report.append(f"Column {other.data.name!r}: the target"
                              + (f", {len(class_names)} classes." if task == "classification" else "."))
            else:
                report.append(f"Column {other.data.name!r}: left out (the text column is the input).")
        preprocessing = {
            "kind": "text",
            "version": 1,
            "column": plan.data.name,
            "mode": mode,
            "lowercase": lowercase,
            "max_len": max_len,
            "vocab": vocab,
            "pad_id": 0,
            "unk_id": 1,
            "source_columns": list(source.source_columns),
            "read": dict(source.read),
            "target": target_info,
        }
        return Dataset(name=source.name, task=task, x=x, y=y, class_names=class_names, input_shape=(max_len,),
                       input_dtype="int", preprocessing=preprocessing, splits=splits, report=report,
                       vocab_size=len(vocab))
