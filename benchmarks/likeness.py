"""Who is this, at 100,000 faces: `services.likeness.Likeness` on synthetic embeddings
shaped like dlib's (norm about 1.4; one person's faces 0.3-0.55 apart, different people
0.65 and more, about 0.85 on average), on the in-memory backend of the tests.

2,500 people with 8 to 200 faces each (40 on average; 100,000 in all): 2,000 of them
named, holding 70 % of their faces (the rest unassigned), 500 never named (all their faces unassigned, for the
groups). Prints JSON, then a line per figure. Times are wall-clock on this machine (2
cores, shared: compare the figures of one run).

    .venv/bin/python benchmarks/likeness.py [--faces 100000]
"""

import argparse
import asyncio
import collections
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakes.comparing import FakeComparing  # noqa: E402

from faceboard.domain import Person  # noqa: E402
from faceboard.services.likeness import Likeness  # noqa: E402
from faceboard.services.operations import Change  # noqa: E402

FACES_A_PERSON, NAMED, FILED = 40, 0.8, 0.7  # on average; the share of people named; of their faces filed


def embeddings(total: int, seed: int = 15):
    """Face vectors and their true person: people's middles 0.75 apart (per-dimension
    spread 0.047 around a common middle of norm 1.4), each face about 0.3-0.55 from the
    person's other faces."""
    rng = np.random.default_rng(seed)
    people = total // FACES_A_PERSON
    sizes = np.clip(rng.lognormal(3.3, 0.9, people), 8, 200)
    sizes = np.maximum(2, np.round(sizes * total / sizes.sum())).astype(int)
    sizes[np.argmax(sizes)] += total - sizes.sum()
    middle = rng.normal(0, 1, 128)
    middle *= 1.4 / np.linalg.norm(middle)
    centres = middle + rng.normal(0, 0.047, (people, 128))
    spread = rng.uniform(0.021, 0.03, people)  # pairwise distance about 16 * spread
    truth = np.repeat(np.arange(people), sizes)
    vectors = (centres[truth] + rng.normal(0, 1, (total, 128)) * spread[truth][:, None]).astype(np.float32)
    order = rng.permutation(total)  # the faces of one person are not neighbours by id
    return vectors[order], truth[order]


def timed(work, repeat: int = 1) -> float:
    best = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best.append(time.perf_counter() - start)
    return statistics.median(best)


def moved(backend: FakeComparing, moves: dict[str, str | None]) -> Change:
    faces = backend.move(moves)
    return Change(persons=tuple(Person(p, f"Person {p}") for p in set(moves.values()) if p), faces=faces)


async def main(total: int) -> dict:
    vectors, truth = embeddings(total)
    named = int(NAMED * (truth.max() + 1))
    ids = [str(i) for i in range(total)]
    rng = np.random.default_rng(1)
    filed = (truth < named) & (rng.random(total) < FILED)
    folder = Path(tempfile.mkdtemp(prefix="likeness-"))
    backend = FakeComparing(dict(zip(ids, vectors)), index_folder=folder)
    backend.person.update({ids[i]: f"p{truth[i]}" for i in np.flatnonzero(filed)})
    people = {f"p{p}": f"Person {p}" for p in range(named)}
    figures: dict = {"faces": total, "people_named": named, "faces_filed": int(filed.sum()),
                     "faces_unassigned": int((~filed).sum())}

    start = time.perf_counter()
    likeness = await Likeness.load(backend, people)
    figures["load_s"] = round(time.perf_counter() - start, 2)

    unassigned = [ids[i] for i in np.flatnonzero(~filed)[:200]]
    assigned = [ids[i] for i in np.flatnonzero(filed)[:200]]
    figures["suggestions_unassigned_face_ms"] = round(1000 * statistics.median(
        timed(lambda f=f: likeness.suggestions(f)) for f in unassigned), 3)
    figures["suggestions_assigned_face_ms"] = round(1000 * statistics.median(
        timed(lambda f=f: likeness.suggestions(f)) for f in assigned), 3)

    def review_rows():
        """What the Review view needs before its first rows: every unassigned face's
        suggestions, grouped by the person suggested, most certain first."""
        by_person = collections.defaultdict(list)
        for face_id, found in likeness.suggest_unassigned().items():
            if found:
                by_person[found[0].person_id].append((found[0].similarity, face_id))
        return sorted(by_person.items(), key=lambda item: -max(item[1])[0])

    figures["suggest_unassigned_ms"] = round(1000 * timed(likeness.suggest_unassigned, 5), 1)
    figures["review_rows_ms"] = round(1000 * timed(review_rows, 5), 1)
    shown = likeness.suggest_unassigned()
    right = sum(1 for f, found in shown.items() if found and found[0].person_id == f"p{truth[int(f)]}")
    named_unassigned = [f for f in shown if truth[int(f)] < named]
    figures["first_suggestion_right"] = round(right / len(named_unassigned), 4)
    figures["wrong_person_suggested_for_unnamed"] = sum(1 for f, found in shown.items()
                                                        if found and truth[int(f)] >= named)

    # a change on the event loop: Shift+Y (1,000 faces to one person), one face, a rejection
    person = max(range(named), key=lambda p: int(((truth == p) & ~filed).sum()))
    theirs = [ids[i] for i in np.flatnonzero((truth == person) & ~filed)]
    others = [ids[i] for i in np.flatnonzero(~filed & (truth != person))][:1000 - len(theirs)]
    async def applied(change: Change) -> tuple[float, float]:
        """Seconds of `apply` (on the event loop), then of `catch_up` (mostly off it)."""
        start = time.perf_counter()
        likeness.apply(change)
        middle = time.perf_counter()
        await likeness.catch_up()
        return middle - start, time.perf_counter() - middle

    thousand = moved(backend, dict.fromkeys(theirs + others, f"p{person}"))
    figures["apply_1000_faces_ms"], figures["catch_up_1000_faces_ms"] = (
        round(1000 * t, 1) for t in await applied(thousand))
    back = moved(backend, dict.fromkeys(theirs + others))
    figures["apply_1000_faces_back_ms"], figures["catch_up_1000_faces_back_ms"] = (
        round(1000 * t, 1) for t in await applied(back))
    ones = [await applied(moved(backend, {f: f"p{truth[int(f)]}"})) for f in unassigned[:30]]
    figures["apply_one_face_ms"] = round(1000 * statistics.median(a for a, _ in ones), 2)
    figures["catch_up_one_face_ms"] = round(1000 * statistics.median(c for _, c in ones), 1)
    rejections = [Change(rejected=((f, found[0].person_id),)) for f, found in list(shown.items())[:400] if found][:30]
    backend.rejected.update(pair for change in rejections for pair in change.rejected)
    figures["apply_rejection_ms"] = round(1000 * statistics.median([(await applied(c))[0] for c in rejections]), 2)
    figures["similar_people_ms"] = round(1000 * timed(lambda: likeness.similar_people()), 1)
    figures["typicality_ms"] = round(1000 * timed(lambda: likeness.typicality(f"p{person}")), 2)

    # the unknown faces grouped: the first time the index is built and kept, then read again
    start = time.perf_counter()
    await asyncio.to_thread(likeness.index.update, ids, vectors)
    figures["index_build_s"] = round(time.perf_counter() - start, 1)
    figures["index_faces_built"] = likeness.index.added
    start = time.perf_counter()
    groups = await likeness.groups()
    figures["groups_first_s"] = round(time.perf_counter() - start, 1)
    again = await Likeness.load(backend, people)
    start = time.perf_counter()
    kept_groups = await again.groups()
    figures["groups_with_kept_index_s"] = round(time.perf_counter() - start, 1)
    figures["index_reused"] = again.index.opened and again.index.added == 0
    unknown = sum(len(g.face_ids) for g in kept_groups)
    pure = sum(collections.Counter(truth[int(f)] for f in g.face_ids).most_common(1)[0][1] for g in kept_groups)
    figures["groups"] = len(kept_groups)
    figures["faces_grouped"] = unknown
    figures["group_purity"] = round(pure / max(1, unknown), 4)
    unnamed_faces = int((truth >= named).sum())
    figures["unnamed_people_faces_grouped"] = round(
        sum(1 for g in kept_groups for f in g.face_ids if truth[int(f)] >= named) / unnamed_faces, 4)
    figures["same_groups_as_kept_up_to_date"] = groups == kept_groups
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=100_000)
    figures = asyncio.run(main(parser.parse_args().faces))
    print(json.dumps(figures, indent=1))
    print(f"{figures['faces']:,} faces ({figures['faces_filed']:,} filed under {figures['people_named']:,} people, "
          f"{figures['faces_unassigned']:,} unassigned): loaded in {figures['load_s']} s (in the background)")
    print(f"one face's suggestions: {figures['suggestions_unassigned_face_ms']} ms unassigned (kept), "
          f"{figures['suggestions_assigned_face_ms']} ms filed (measured on asking)")
    print(f"every unassigned face's suggestions (suggest_unassigned): {figures['suggest_unassigned_ms']} ms; "
          f"grouped by person and sorted as the Review view shows them: {figures['review_rows_ms']} ms")
    print(f"apply on the event loop: 1,000 faces moved {figures['apply_1000_faces_ms']} ms "
          f"(back: {figures['apply_1000_faces_back_ms']} ms), one face {figures['apply_one_face_ms']} ms, "
          f"a rejection {figures['apply_rejection_ms']} ms; then catch_up, off the loop: "
          f"{figures['catch_up_1000_faces_ms']} ms ({figures['catch_up_1000_faces_back_ms']} ms back), "
          f"{figures['catch_up_one_face_ms']} ms for one face")
    print(f"the index of {figures['index_faces_built']:,} faces built once in {figures['index_build_s']} s and kept; "
          f"groups: {figures['groups_first_s']} s, {figures['groups_with_kept_index_s']} s after a restart "
          f"(the kept index read) "
          f"(reused: {figures['index_reused']}); {figures['groups']:,} groups of {figures['faces_grouped']:,} faces, "
          f"purity {figures['group_purity']:.1%}")
    print(f"first suggestion right: {figures['first_suggestion_right']:.1%} of the named people's unassigned faces")
