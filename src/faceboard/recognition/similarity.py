"""How alike two faces are, from their embeddings: the one rule every comparison uses
(suggestions, groups, least alike first, similar people, the publishing check), and its
calibration on a library's own faces.

Distances are Euclidean between raw dlib embeddings. A similarity is that distance made a
figure a user reads, a logistic falling with distance: 50 % at a `Calibration`'s middle.
dlib's published rule (under 0.6 the same person) is `DLIB`, and fits photos: on those of
`tests/data`, another photo of the same person lies 0.47–0.70 away, different people 0.49
(two small crew faces) or more, 0.77 at the median. But the distances are not one scale
for every library: the demo's drawn faces lie 0.21 from another drawing of the same
person and 0.44 from someone else's (medians), all "the same person" by 0.6, so every
figure there read 99 %. So a library's rule is measured on the faces its operator has
named (`calibrated`): on the demo as it is filed (6 % of its faces wrongly) 50 % lies at
0.33; on tests/data and four altered copies of each photo, every face named, at 0.60, as
dlib says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SAME_PERSON = 0.6  # dlib's distance under which two faces are one person
SPREAD = 0.04  # how fast dlib's rule falls around SAME_PERSON
CALIBRATION_FACES = 2000  # named faces a calibration samples (the figures settle long before)
CALIBRATION_PEOPLE = 200  # other people each of them is measured against
LEAST_SAMPLES = 20  # of each kind (own person, someone else); fewer: dlib's rule
LEAST_SPREAD = 0.01  # the steepest a calibrated rule falls: from 99 % to 1 % over 0.09


@dataclass(frozen=True)
class Calibration:
    """A library's rule: 50 % at `middle` (a distance), falling by `spread`; measured on
    `faces` named faces (0: dlib's published rule)."""

    middle: float
    spread: float
    faces: int = 0

    def similarity(self, distance):
        """0..1 for a distance, or an array of them for an array: 0.5 at `middle`."""
        value = 1.0 / (1.0 + np.exp((np.asarray(distance, dtype=np.float64) - self.middle) / self.spread))
        return value if isinstance(distance, np.ndarray) else float(value)

    def distance_at(self, figure: float) -> float:
        """The distance `similarity` reads as `figure` (0 < figure < 1); 0 at the least."""
        return max(0.0, self.middle + self.spread * math.log(1.0 / figure - 1.0))


DLIB = Calibration(SAME_PERSON, SPREAD)


def calibrated(vectors: np.ndarray, owners: np.ndarray) -> Calibration:
    """The rule measured on a library's named faces: `vectors` (n × d) and each one's
    person (`owners`, n whole numbers from 0). Of up to CALIBRATION_FACES of them (drawn the
    same way each time: the same faces, the same rule), the distance to the rest of their person's faces and to each of up to
    CALIBRATION_PEOPLE other people's, as a face's distance to a person is measured (root
    mean square to each of their faces); the rule is the logistic that best tells the two
    kinds apart, each kind weighing half. So a face at 80 % from a person lies where the
    named faces of that person are four times as many as those of someone else (counted
    as many of each). dlib's rule with fewer than LEAST_SAMPLES of either kind, or where
    a person's own faces do not lie nearer."""
    owners = np.asarray(owners, dtype=np.int64)
    if not len(owners):
        return DLIB
    present = np.zeros(owners.max() + 1, bool)  # not np.unique: its first call imports numpy.ma,
    present[owners] = True  # holding the GIL 261 ms while the window scrolled (benchmarks/scale.py)
    people, owner = np.flatnonzero(present), (np.cumsum(present) - 1)[owners]
    if len(people) < 2:
        return DLIB
    vectors = np.asarray(vectors, dtype=np.float64)
    n2 = np.einsum("ij,ij->i", vectors, vectors)
    sums = np.empty((len(people), vectors.shape[1]))  # each person's, a column at a time: np.add.reduceat
    for column in range(vectors.shape[1]):  # held the GIL 347 ms at 70,000 faces, a bincount a few ms
        sums[:, column] = np.bincount(owner, vectors[:, column], len(people))
    squares = np.bincount(owner, n2, len(people))
    counts = np.bincount(owner, minlength=len(people))
    rng = np.random.default_rng(0)
    faces = rng.choice(len(vectors), min(len(vectors), CALIBRATION_FACES), replace=False)
    others = rng.choice(len(people), min(len(people), CALIBRATION_PEOPLE), replace=False)
    v, v2, own = vectors[faces], n2[faces], owner[faces]
    with_more = counts[own] >= 2
    rest = np.maximum(counts[own] - 1, 1)  # each face's person less the face
    same = v2 + (squares[own] - v2) / rest - 2.0 * (np.einsum("ij,ij->i", v, sums[own]) - v2) / rest
    same = same[with_more]
    means = sums[others] / counts[others][:, None]
    different = v2[:, None] + (squares[others] / counts[others])[None, :] - 2.0 * (v @ means.T)
    different = different[own[:, None] != others[None, :]]
    if len(same) < LEAST_SAMPLES or len(different) < LEAST_SAMPLES:
        return DLIB
    fitted = _logistic(np.sqrt(np.maximum(same, 0.0)), np.sqrt(np.maximum(different, 0.0)))
    if fitted is None:
        return DLIB
    middle, spread = fitted
    return Calibration(round(float(middle), 4), round(float(max(spread, LEAST_SPREAD)), 4), len(vectors))


def _logistic(same: np.ndarray, different: np.ndarray) -> tuple[float, float] | None:
    """The middle and spread of the logistic of distance likeliest to have told `same`
    from `different`, each kind weighing half (Newton's method on its two parameters; a
    faint pull towards flat keeps two kinds that never overlap finite); None unless the
    same lie nearer. Two numbers need no statistics library (scipy is some 40 MB)."""
    distance = np.concatenate([same, different])
    alike = np.r_[np.ones(len(same)), np.zeros(len(different))]
    weight = np.r_[np.full(len(same), 0.5 / len(same)), np.full(len(different), 0.5 / len(different))]
    centre, scale = float(np.median(distance)), float(distance.std()) or 1.0
    x = (distance - centre) / scale
    a = b = 0.0  # the figure is 1 / (1 + exp(-(a + b x)))
    for _ in range(100):
        p = 0.5 * (1.0 + np.tanh((a + b * x) / 2.0))
        wrong, sure = weight * (p - alike), weight * p * (1.0 - p)
        gradient = np.array([wrong.sum(), (wrong * x).sum() + 1e-4 * b])
        hessian = np.array([[sure.sum(), (sure * x).sum()], [(sure * x).sum(), (sure * x * x).sum() + 1e-4]])
        step = np.linalg.solve(hessian, gradient)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-9:
            break
    if not (b < 0 and math.isfinite(a) and math.isfinite(b)):
        return None
    return centre - a * scale / b, -scale / b


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
