"""Cutting a graph of alike faces into groups: Chinese whispers (Biemann 2006, what dlib's
`chinese_whispers_clustering` does), vectorised with numpy. Each face takes the label its
neighbours weigh most; faces are updated in a few random batches a round (all at once,
two alike faces would swap labels for ever), until a round changes nothing.
"""

from __future__ import annotations

import numpy as np

ROUNDS = 30
BATCHES = 4  # a round's faces in this many batches, each seeing the labels the last one left


def chinese_whispers(count: int, first: np.ndarray, second: np.ndarray, weight: np.ndarray,
                     seed: int = 0) -> np.ndarray:
    """A label for each of `count` nodes; edges (first[i], second[i]) of `weight` (both ways)."""
    labels = np.arange(count)
    if not len(first):
        return labels
    source = np.concatenate([first, second])
    target = np.concatenate([second, first])
    weight = np.concatenate([weight, weight]).astype(np.float64)
    order = np.argsort(source, kind="stable")
    source, target, weight = source[order], target[order], weight[order]
    random = np.random.default_rng(seed)
    for _ in range(ROUNDS):
        batch_of = random.integers(0, BATCHES, count)
        changed = False
        for batch in range(BATCHES):
            edges = batch_of[source] == batch
            nodes, votes = source[edges], labels[target[edges]]
            if not len(nodes):
                continue
            key = nodes * count + votes  # one key a (node, label its neighbour has)
            keys, at = np.unique(key, return_inverse=True)
            weighed = np.bincount(at, weight[edges])
            node_of, label_of = keys // count, keys % count
            best = np.lexsort((label_of, -weighed, node_of))  # each node: heaviest label first (ties: lowest)
            first_of_node = np.ones(len(best), bool)
            first_of_node[1:] = node_of[best][1:] != node_of[best][:-1]
            winners = best[first_of_node]
            new = label_of[winners]
            moved = labels[node_of[winners]] != new
            if moved.any():
                changed = True
                labels[node_of[winners]] = new
        if not changed:
            break
    return labels
