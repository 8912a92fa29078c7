"""Which kept models an export averages, and whether it mirrors: chosen by validation accuracy.

The candidates are the best trial's model alone, the ensemble greedy forward
selection builds from the kept models (Caruana et al., "Ensemble Selection
from Libraries of Models", ICML 2004: start from the best model, add the one
that raises the ensemble's validation accuracy most, stop when none does;
here without replacement, since the export averages its members equally),
and each of them with flip TTA. The one with the best validation accuracy is
exported; a tie goes to fewer members, then to no TTA (the cheaper model to
serve). `--top K` and `--tta` fix either choice. A choice made on validation
makes that validation figure optimistic: a held-out set is the honest judge.

Pure numpy on the members' probabilities, so it is tested without a model.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from cnntune.export._scores import accuracy

AUTO = "auto"  # --tta auto: with and without flip TTA are both candidates


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One combination: indices into the kept models (best first), TTA mode, its validation accuracy."""

    members: tuple[int, ...]
    tta: str
    accuracy: float


@dataclasses.dataclass(frozen=True)
class Selection:
    """Every candidate scored and the one chosen (`forced`: `--top` and `--tta` both fixed it)."""

    candidates: tuple[Candidate, ...]
    chosen: Candidate
    forced: bool
    labels: tuple[str, ...] = ()  # names of the models the indices point to ("trial #7", "seed 3")

    def describe(self, candidate: Candidate) -> str:
        """'trial #7 + trial #3, tta flip'."""
        names = [self.labels[i] if i < len(self.labels) else f"model {i + 1}" for i in candidate.members]
        return f"{' + '.join(names)}, tta {candidate.tta}"

    def to_dict(self) -> dict[str, Any]:
        """The `"selection"` block of cnntune.json."""

        def row(candidate: Candidate) -> dict[str, Any]:
            members = [self.labels[i] for i in candidate.members] if self.labels else list(candidate.members)
            return {"members": members, "tta": candidate.tta, "validation_accuracy": candidate.accuracy}

        return {
            "candidates": [row(c) for c in self.candidates],
            "chosen": row(self.chosen),
            "forced": self.forced,
            "note": "chosen on the validation split: its accuracy there is optimistic; a held-out set is honest",
        }


def select_combination(
    plain: np.ndarray, mirrored: np.ndarray | None, labels: np.ndarray, *, top: int | None, tta: str
) -> Selection:
    """Scores the candidate combinations of the kept models and picks the best on validation.

    Args:
        plain: float [K, N, C], each kept model's probabilities on the validation
            images, the best trial's first.
        mirrored: the same on the mirrored images (None when `tta` is "none").
        labels: int [N].
        top: average exactly the first `top` models (`--top K`); None = the best
            alone and the greedy ensemble are candidates.
        tta: "none", "flip" or `AUTO` (both are candidates).
    """
    if top is not None and not 1 <= top <= len(plain):
        raise ValueError(f"top must be in [1, {len(plain)}], but got {top=}")
    sets = [tuple(range(top))] if top is not None else _unique([(0,), greedy_ensemble(plain, labels)])
    modes = ["none", "flip"] if tta == AUTO else [tta]
    candidates = tuple(
        Candidate(members, mode, _accuracy(plain, mirrored, labels, members, mode))
        for members in sets
        for mode in modes
    )
    # the best accuracy; on a tie, fewer members, then no TTA: max() keeps the first of equals
    chosen = max(sorted(candidates, key=lambda c: (len(c.members), c.tta != "none")), key=lambda c: c.accuracy)
    return Selection(candidates, chosen, forced=top is not None and tta != AUTO)


def greedy_ensemble(plain: np.ndarray, labels: np.ndarray) -> tuple[int, ...]:
    """Greedy forward selection without replacement from the best model (index 0), by validation accuracy."""
    chosen = [0]
    total = plain[0].astype(np.float64)
    best = accuracy(total, labels)
    while len(chosen) < len(plain):
        scores = {k: accuracy(total + plain[k], labels) for k in range(len(plain)) if k not in chosen}
        k = max(scores, key=lambda i: (scores[i], -i))  # a tie goes to the better-ranked trial
        if scores[k] <= best:
            break
        chosen.append(k)
        total, best = total + plain[k], scores[k]
    return tuple(chosen)


def _accuracy(
    plain: np.ndarray, mirrored: np.ndarray | None, labels: np.ndarray, members: tuple[int, ...], tta: str
) -> float:
    probs = plain[list(members)].mean(axis=0)
    if tta == "flip":
        if mirrored is None:
            raise ValueError("flip TTA needs the mirrored images' probabilities")
        probs = (probs + mirrored[list(members)].mean(axis=0)) / 2
    return accuracy(probs, labels)


def _unique(sets: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    return list(dict.fromkeys(sets))
