"""What is legal in a data set but probably a mistake: said by `tune data check` and by `tune start`."""

from __future__ import annotations

from itertools import combinations

from cnntune.data._dataset import Dataset, Split

_EXAMPLES = 3  # ids named in a leak warning


def data_warnings(dataset: Dataset) -> list[str]:
    """One line per problem: classes without train images, image ids shared between splits (a leak)."""
    lines = []
    counts = [0] * dataset.num_classes
    for label in dataset.train.labels:
        counts[int(label)] += 1
    empty = [str(c) for c, n in enumerate(counts) if n == 0]
    if empty:
        lines.append(f"no train images of class {', '.join(empty)}")
    for first, second in combinations(dataset.splits, 2):
        if dataset.layout == "arrays" and (_positional(first) or _positional(second)):
            continue  # ids defaulted to 0..N-1 name places in an array, not images: every split shares them
        shared = sorted(set(first.ids) & set(second.ids))
        if shared:
            shown = ", ".join(repr(i) for i in shared[:_EXAMPLES]) + (", ..." if len(shared) > _EXAMPLES else "")
            lines.append(
                f"LEAK: {len(shared)} image id(s) in both {first.name} and {second.name} ({shown}): "
                f"scores on {second.name} are not honest"
            )
    return lines


def _positional(split: Split) -> bool:
    return split.ids == tuple(str(i) for i in range(len(split)))
