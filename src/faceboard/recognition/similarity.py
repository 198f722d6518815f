"""How alike two faces are, from their embeddings: the one rule every comparison uses
(suggestions, groups, least alike first, similar people, the publishing check).

Distances are Euclidean between raw dlib embeddings, as dlib's own rule is stated: under
0.6 the same person. A similarity is that distance made a figure a user reads: 50 % at
0.6, rising steeply below it. On the photos of `tests/data`, another photo of the same
person lies 0.47–0.57 away (96–68 %), different people 0.64 or more (27 % or less).
"""

from __future__ import annotations

import numpy as np

SAME_PERSON = 0.6  # dlib's distance under which two faces are one person
_SPREAD = 0.04  # how fast the similarity falls around SAME_PERSON


def similarity(distance):
    """0..1 for a distance, or an array of them for an array: 0.5 at SAME_PERSON."""
    value = 1.0 / (1.0 + np.exp((np.asarray(distance, dtype=np.float64) - SAME_PERSON) / _SPREAD))
    return value if isinstance(distance, np.ndarray) else float(value)


def shown(value: float) -> int:
    """The whole percent a user reads for a similarity: never 100 nor 0 (it is a guess)."""
    return min(99, max(1, round(value * 100)))


def percent(value: float) -> str:
    """"92 %": a similarity as every view and the command line write it."""
    return f"{shown(value)} %"


def distances(vectors: np.ndarray, to: np.ndarray) -> np.ndarray:
    """Each row of `vectors` (n × d) from the one vector `to` (d)."""
    return np.linalg.norm(vectors - to, axis=1)


def centroid(vectors: np.ndarray) -> np.ndarray:
    """The middle of a person's faces: their mean embedding."""
    return vectors.mean(axis=0)


def apartness(vectors: np.ndarray) -> np.ndarray:
    """How far each of a person's faces lies from the rest of them: its distance to the
    mean of the others (so a wrongly filed face does not pull the middle to itself).
    One face alone is 0 apart."""
    n = len(vectors)
    if n < 2:
        return np.zeros(n)
    rest = (vectors.sum(axis=0) - vectors) / (n - 1)  # row i: the mean of all but face i
    return np.linalg.norm(vectors - rest, axis=1)


def least_alike_first(vectors: np.ndarray) -> np.ndarray:
    """Row numbers of a person's faces, the one least like the rest first (ties: in order)."""
    return np.argsort(-apartness(vectors), kind="stable")
