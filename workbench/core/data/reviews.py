"""Generated short reviews whose sentiment depends on word order: the built-in text dataset and the benchmark's data.

Each review is one or two clauses such as "the plot was not very good". A clause's sentiment is its adjective's,
turned round by "not" (or "never"). A second clause after "but" decides the review ("the acting was great but the
ending was dull" is negative); one after "and" agrees with the first. So the same words in another order (whose
clause comes after "but", which adjective "not" stands before) give another label, which a bag of words cannot
see. Generated from a seed, so the same every time; no download, nothing to credit.
"""

from __future__ import annotations

import numpy as np

CLASS_NAMES = ["negative", "positive"]
SUBJECTS = ["the movie", "the plot", "the acting", "the story", "the ending", "the music", "the food", "the service"]
POSITIVE = ["good", "great", "fun", "lovely", "brilliant", "clever"]
NEGATIVE = ["bad", "boring", "dull", "awful", "weak", "silly"]
VERBS = ["was", "is"]
INTENSIFIERS = ["", "", "very", "really"]
OPENERS = ["", "", "", "i think", "honestly"]
NEGATIONS = ["not", "not", "never"]


def _clause(rng: np.random.Generator, positive: bool) -> list[str]:
    """Words of one clause whose sentiment is `positive`."""
    negated = rng.random() < 0.4
    adjective_positive = positive != negated
    words = [*str(rng.choice(SUBJECTS)).split(), str(rng.choice(VERBS))]
    if negated:
        words.append(str(rng.choice(NEGATIONS)))
    intensifier = str(rng.choice(INTENSIFIERS))
    if intensifier:
        words.append(intensifier)
    words.append(str(rng.choice(POSITIVE if adjective_positive else NEGATIVE)))
    return words


def make_reviews(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """`n` reviews and their labels (0 negative, 1 positive), half of each, in a shuffled order."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n, dtype=np.int64) % 2
    rng.shuffle(labels)
    texts = []
    for label in labels:
        positive = bool(label)
        shape = rng.random()
        opener = str(rng.choice(OPENERS))
        words = opener.split()
        if shape < 0.35:
            words += _clause(rng, positive)
        elif shape < 0.8:  # "A but B": B decides, and A says the opposite
            words += _clause(rng, not positive) + ["but"] + _clause(rng, positive)
        else:  # "A and B": both agree
            words += _clause(rng, positive) + ["and"] + _clause(rng, positive)
        texts.append(" ".join(words))
    return texts, labels
