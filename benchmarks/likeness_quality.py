"""How right Who is this is, on real faces: `services.likeness.Likeness` on the photos of
tests/data (24 faces of 21 people: Whitson, Wiseman and Rubins twice) and on a larger set
made from them with Pillow (each photo copied N times, each copy cut, mirrored, lit,
scaled, turned, blurred or squeezed into a poor JPEG: three of those), scanned by the
real detector and embedder.

Suggestions: the faces of the original photos are named (each person one face), every
other face is suggested; "right" is the first suggestion being the face's person, "wrong"
a suggestion of someone else, "none" no suggestion (no one is MIN_SIMILARITY alike).
On tests/data alone, the portraits are named and the second photos suggested. Then half
the people are left unnamed: how often one of their faces is suggested someone (always
wrong). Groups: every face unassigned; purity is the share of grouped faces that are
of their group's most common person; mixed, the groups holding two people. "rule": the
calibration the likeness measured on the named faces (`recognition.similarity`; dlib's
0.6 where too few are named); on every face named, `calibrated` on the truth.

    .venv/bin/python benchmarks/likeness_quality.py [--copies 4] [--demo]

--demo also measures the demo library (its drawn faces, embedded by the scan's background
embedding; its truth in the meta table's 'demo_truth'), with the figures an operator
reads: the first suggestions' similarity, right and wrong, and the pairs of similar
people, by the library's calibrated rule and by dlib's (the same distances).
"""

import argparse
import asyncio
import collections
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from altered_photos import SeenFace, altered_faces, real_faces  # noqa: E402
from fakes.comparing import FakeComparing  # noqa: E402

from faceboard.recognition.similarity import DLIB, calibrated, shown  # noqa: E402
from faceboard.services.likeness import MIN_SIMILARITY, Likeness  # noqa: E402


async def suggested(faces, named: dict[str, str]) -> dict:
    """Name the faces in `named` (face key -> person); suggest every other face."""
    backend = FakeComparing({f.key: f.vector for f in faces})
    backend.person.update(named)
    people = sorted(set(named.values()))
    likeness = await Likeness.load(backend, {p: p for p in people})
    asked = [f for f in faces if f.key not in named]
    outcome = collections.Counter()
    for face in asked:
        found = likeness.suggestions(face.key)
        if face.person not in people:
            outcome["unnamed_suggested" if found else "unnamed_none"] += 1
        elif not found:
            outcome["none"] += 1
        else:
            outcome["right" if found[0].person_id == face.person else "wrong"] += 1
    named_asked = outcome["right"] + outcome["wrong"] + outcome["none"]
    unnamed = outcome["unnamed_suggested"] + outcome["unnamed_none"]
    return {"rule": _rule(likeness.calibration), "asked": named_asked,
            "first_right": _share(outcome["right"], named_asked),
            "wrong": _share(outcome["wrong"], named_asked), "none": _share(outcome["none"], named_asked),
            "unnamed_asked": unnamed, "unnamed_suggested_someone": _share(outcome["unnamed_suggested"], unnamed)}


async def grouped(faces, folder: Path) -> dict:
    backend = FakeComparing({f.key: f.vector for f in faces}, index_folder=folder)
    groups = await (await Likeness.load(backend, {})).groups()
    truth = {f.key: f.person for f in faces}
    in_groups = sum(len(g.face_ids) for g in groups)
    pure = sum(collections.Counter(truth[f] for f in g.face_ids).most_common(1)[0][1] for g in groups)
    people_with_two = sum(1 for n in collections.Counter(truth.values()).values() if n >= 2)
    return {"faces": len(faces), "groups": len(groups), "faces_grouped": _share(in_groups, len(faces)),
            "purity": _share(pure, in_groups),
            "mixed_groups": sum(len({truth[f] for f in g.face_ids}) > 1 for g in groups),
            "people_with_two_faces_or_more": people_with_two}


def _rule(calibration) -> dict:
    return {"middle": calibration.middle, "spread": calibration.spread, "faces": calibration.faces}


def _truth_rule(faces) -> dict:
    """The rule measured with every face named as who it is."""
    people = sorted({f.person for f in faces})
    return _rule(calibrated(np.array([f.vector for f in faces]), np.array([people.index(f.person) for f in faces])))


def _figures(figures: list[int]) -> dict:
    """Whole percents as shown: their median and how many read 99 %."""
    return {"median": float(np.median(figures)) if figures else None, "at_99": sum(f >= 99 for f in figures),
            "of": len(figures)}


def _pair_distances(vectors, filed: dict[str, str]) -> np.ndarray:
    """Each pair of filed people's distance as `Likeness.similar_people` measures it (root
    mean square over every pair of their faces), under whichever rule."""
    people = sorted(set(filed.values()))
    rows = {p: [at for at, f in enumerate(vectors.face_ids) if filed.get(f) == p] for p in people}
    means = np.array([vectors.vectors[rows[p]].astype(np.float64).mean(axis=0) for p in people])
    mean_sq = np.array([(vectors.vectors[rows[p]].astype(np.float64) ** 2).sum(axis=1).mean() for p in people])
    d2 = mean_sq[:, None] + mean_sq[None, :] - 2.0 * means @ means.T
    return np.sqrt(np.maximum(d2[np.triu_indices(len(people), 1)], 0.0))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def measure(copies: int) -> dict:
    real = real_faces()
    portraits = {f.key: f.person for f in real if f.key.endswith("_portrait")}
    figures = {"tests_data": {"suggestions": await suggested(real, portraits), "rule_on_the_truth": _truth_rule(real)}}
    with tempfile.TemporaryDirectory() as folder:
        figures["tests_data"]["groups"] = await grouped(real, Path(folder) / "index")
        altered = altered_faces(Path(folder), copies)
        seen = real + altered
        originals = {f.key: f.person for f in real}
        people = sorted({f.person for f in real})
        half = {key: person for key, person in originals.items() if people.index(person) % 2 == 0}
        figures["altered"] = {
            "copies_of_each_photo": copies, "faces": len(seen),
            "suggestions": await suggested(seen, originals),
            "suggestions_half_the_people_named": await suggested(seen, half),
            "groups": await grouped(seen, Path(folder) / "index-altered"),
            "rule_on_the_truth": _truth_rule(seen),
        }
    return figures


async def demo_figures() -> dict:
    """The demo library's drawn faces, embedded as the window's background learning does,
    against the truth the generator kept: the unassigned faces' first suggestion, the
    misfiled faces found least alike first, and the groups of every face left unassigned."""
    import sqlite3

    from faceboard.backends.local import LocalLibrary, demo
    from faceboard.services.scanning import Scanner

    folder = Path(tempfile.mkdtemp(prefix="demo-")) / "library"
    demo.generate(folder)
    library = LocalLibrary(folder)
    try:
        await Scanner(library).run(scan=False, learn=True)
        truth = {face: str(person) for face, person in json.loads(sqlite3.connect(library.path).execute(
            "SELECT value FROM meta WHERE key = 'demo_truth'").fetchone()[0])["faces"].items()}
        vectors = await library.face_vectors()
    finally:
        await library.close()
    filed = {f: p for f, p in zip(vectors.face_ids, vectors.person_ids) if p is not None}
    backend = FakeComparing(dict(zip(vectors.face_ids, vectors.vectors)))
    backend.person.update(filed)
    likeness = await Likeness.load(backend, {p: p for p in set(filed.values())})
    rule = likeness.calibration
    outcome, read = collections.Counter(), collections.defaultdict(list)
    for face_id in vectors.face_ids:
        if face_id not in filed:
            found = likeness.suggestions(face_id)
            kind = "none" if not found else "right" if found[0].person_id == truth[face_id] else "wrong"
            outcome[kind] += 1
            if found:
                read[kind].append(found[0].similarity)
    pairs = _pair_distances(vectors, filed)
    by_dlib = lambda figures: [shown(DLIB.similarity(rule.distance_at(f))) for f in figures]  # noqa: E731
    misfiled = {f for f, p in filed.items() if truth[f] != p}
    found_first = 0
    for person in set(filed.values()):
        typical = likeness.typicality(person)
        wrong = [f for f in typical if f in misfiled]
        least = sorted(typical, key=typical.get)[:len(wrong)]
        found_first += len(set(least) & set(wrong))
    asked = sum(outcome.values())
    unassigned = [SeenFace(f, truth[f], (0.0, 0.0), v) for f, v in zip(vectors.face_ids, vectors.vectors)]
    with tempfile.TemporaryDirectory() as index:
        groups = await grouped(unassigned, Path(index))
    return {"faces": len(vectors.face_ids), "people": len(set(truth.values())),
            "suggestions": {"asked": asked, "first_right": _share(outcome["right"], asked),
                            "wrong": _share(outcome["wrong"], asked), "none": _share(outcome["none"], asked)},
            "rule": _rule(rule), "rule_on_the_truth": _truth_rule(unassigned),
            "first_suggestion_read": {kind: {"calibrated": _figures([shown(f) for f in read[kind]]),
                                             "by_dlib": _figures(by_dlib(read[kind]))} for kind in ("right", "wrong")},
            "similar_people_pairs_read": {rule_name: _figures([shown(f) for f in read_by.similarity(pairs)
                                                               if f >= MIN_SIMILARITY])
                                          for rule_name, read_by in (("calibrated", rule), ("by_dlib", DLIB))},
            "misfiled": len(misfiled), "misfiled_found_least_alike_first": _share(found_first, len(misfiled)),
            "groups": groups}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--demo", action="store_true")
    arguments = parser.parse_args()
    figures = asyncio.run(measure(arguments.copies))
    if arguments.demo:
        figures["demo"] = asyncio.run(demo_figures())
    print(json.dumps(figures, indent=1))
    for name, part in figures.items():
        if "suggestions" in part:
            s = part["suggestions"]
            rule = part.get("rule") or s["rule"]
            print(f"{name}: 50 % at {rule['middle']} (spread {rule['spread']}, from {rule['faces']} named faces; "
                  f"every face named: {part['rule_on_the_truth']['middle']})")
            print(f"{name}: first suggestion right {s['first_right']:.0%} of {s['asked']} faces "
                  f"(wrong {s['wrong']:.0%}, none {s['none']:.0%})")
        if "suggestions_half_the_people_named" in part:
            s = part["suggestions_half_the_people_named"]
            print(f"{name}, half the people named: first right {s['first_right']:.0%} of {s['asked']}; "
                  f"{s['unnamed_suggested_someone']:.0%} of {s['unnamed_asked']} faces of unnamed people "
                  "suggested someone")
        if "first_suggestion_read" in part:
            for kind, read in part["first_suggestion_read"].items():
                ours, dlibs = read["calibrated"], read["by_dlib"]
                print(f"{name}: the {ours['of']} {kind} first suggestions read {ours['median']:.0f} % "
                      f"(median; {ours['at_99']} at 99 %), by dlib's rule {dlibs['median']:.0f} % "
                      f"({dlibs['at_99']} at 99 %)")
            pairs = part["similar_people_pairs_read"]
            print(f"{name}: pairs of people offered as similar (from 30 %): {pairs['calibrated']['of']} "
                  f"({pairs['calibrated']['at_99']} at 99 %); by dlib's rule {pairs['by_dlib']['of']} "
                  f"({pairs['by_dlib']['at_99']} at 99 %)")
        if "misfiled" in part:
            print(f"{name}: {part['misfiled_found_least_alike_first']:.0%} of the {part['misfiled']} misfiled faces "
                  f"are among their person's least alike (as many rows as the person has misfiled)")
        if "groups" in part:
            g = part["groups"]
            print(f"{name}: {g['groups']} groups hold {g['faces_grouped']:.0%} of {g['faces']} faces, purity "
                  f"{g['purity'] if g['purity'] is None else format(g['purity'], '.1%')}, {g['mixed_groups']} mixed")


if __name__ == "__main__":
    main()
