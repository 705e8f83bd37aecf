"""Themes in the answers to open-text questions, computed in process: TF-IDF, a synonym lexicon, average linkage.

Each answer becomes a TF-IDF vector of light-stemmed words, bigrams and the general feedback concepts of
theme_text.LEXICON (slow, laggy and "takes forever" all add `speed`). Unique answers are merged by average-linkage
agglomerative clustering until no two groups are closer than MERGE_AT (cosine); groups holding fewer than
`_min_size` answers are attached to the nearest theme centre when within ATTACH_AT, else they go to "Other".
Answers with no word worth grouping ("ok", "n/a", an emoji) go to "Other" directly.

Caps keep a results page fast (bench/themes.py times 2,000 answers): the newest MAX_ANSWERS answers of a
question, each cut at MAX_CHARS characters (analysis.analyse passes the newest ones).
"""

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from . import theme_text

MAX_ANSWERS = 2000
MAX_CHARS = 1000
MERGE_AT = 0.2
ATTACH_AT = 0.15
CONCEPT_WEIGHT = 3.0
MIN_DF = 0.005
QUOTES = 3
FEATURE_SHARE = 0.3  # a theme names a feature when at least this share of its answers say a word of its key


@dataclass(frozen=True)
class ThemeInput:
    """One answer to group: its response id, text, time and person."""

    id: int
    text: str
    at: datetime
    person_id: int


def group(answers: list[ThemeInput], features: Sequence[tuple[str, str]] = ()) -> list[dict]:
    """The themes of the answers, largest first, then "Other" for those that fit none (see the module doc)."""
    kept = sorted(answers, key=lambda a: (a.at, a.id), reverse=True)[:MAX_ANSWERS]
    if not kept:
        return []
    texts = [a.text[:MAX_CHARS] for a in kept]
    unique: dict[str, list[int]] = defaultdict(list)
    surface: dict[str, Counter] = defaultdict(Counter)
    for i, text in enumerate(texts):
        unique[" ".join(theme_text.tokens(text, surface))].append(i)
    docs = [(key.split(), members) for key, members in unique.items() if key]
    vectors = _tfidf([(theme_text.terms(words), len(members)) for words, members in docs])
    weights = [len(members) for _, members in docs]
    clusters = _cluster(vectors, weights, _min_size(len(kept)))
    weeks = _weeks([a.at for a in kept])
    themes, placed = [], set()
    for cluster in clusters:
        members = sorted(((vectors[d], d) for d in cluster), key=lambda m: m[1])
        centre = _normalise(_sum([v for v, _ in members], [weights[d] for d in cluster]))
        ranked = sorted(members, key=lambda m: (-_dot(m[0], centre), m[1]))
        indices = [i for _, d in ranked for i in docs[d][1]]
        placed.update(indices)
        terms = _top_terms(centre, surface)
        themes.append(
            _theme(kept, texts, indices, weeks, " · ".join(_label(terms)), [w for _, w, _ in terms], len(kept))
            | {"feature": _feature([texts[i] for i in indices], features), "other": False}
        )
    themes.sort(key=lambda t: (-t["count"], t["label"]))
    rest = [i for i in range(len(kept)) if i not in placed]
    if rest:
        themes.append(_theme(kept, texts, rest, weeks, "Other", [], len(kept)) | {"feature": None, "other": True})
    return themes


def _min_size(n: int) -> int:
    # Below 3 answers a "theme" is a coincidence; on big inputs, below half a percent it is noise.
    return max(2 if n < 20 else 3, math.ceil(n * 0.005))


def _tfidf(docs: list[tuple[Counter, int]]) -> list[dict[str, float]]:
    """Unit TF-IDF vectors (sublinear tf); terms said by a single answer are dropped: they link no two answers."""
    df: Counter = Counter()
    said: Counter = Counter()
    for terms, weight in docs:
        df.update(terms.keys())
        said.update(dict.fromkeys(terms, weight))
    n = len(docs)
    least = max(2, math.ceil(MIN_DF * sum(w for _, w in docs)))
    vectors = []
    for terms, _ in docs:
        vector = {
            t: (1 + math.log(c)) * math.log(1 + n / df[t]) * (CONCEPT_WEIGHT if t.startswith("~") else 1.0)
            for t, c in terms.items()
            if said[t] >= least
        }
        vectors.append(_normalise(vector))
    return vectors


def _cluster(vectors: list[dict[str, float]], weights: list[int], min_size: int) -> list[list[int]]:
    """Average-linkage groups of documents (weighted by their copies) of at least min_size answers."""
    index: dict[str, list[tuple[int, float]]] = defaultdict(list)  # of the documents seen so far
    links: list[dict[int, float]] = [{} for _ in vectors]  # cluster → neighbour → Σ weighted similarities
    for d, vector in enumerate(vectors):
        sims: dict[int, float] = defaultdict(float)
        for t, x in vector.items():
            for e, y in index[t]:
                sims[e] += x * y
            index[t].append((d, x))
        for e, s in sims.items():
            links[d][e] = links[e][d] = s * weights[d] * weights[e]
    size = list(weights)
    members = [[d] for d in range(len(vectors))]
    # A pair's average changes only when one side merges (and dies): pairs below MERGE_AT never need a place.
    heap = [(-s / (size[a] * size[b]), a, b) for a, near in enumerate(links) for b, s in near.items() if a < b]
    heap = [entry for entry in heap if -entry[0] >= MERGE_AT]
    heapq.heapify(heap)
    alive = set(range(len(vectors)))
    while heap:
        score, a, b = heapq.heappop(heap)
        if a not in alive or b not in alive:
            continue  # an older pair: one side has merged since, its new pairs are on the heap
        c = len(size)
        alive -= {a, b}
        alive.add(c)
        size.append(size[a] + size[b])
        members.append(members[a] + members[b])
        near: dict[int, float] = defaultdict(float)
        for old in (a, b):
            for k, s in links[old].items():
                if k in alive:
                    near[k] += s
                    del links[k][old]
        links.append(dict(near))
        for k, s in near.items():
            links[k][c] = s
            if s / (size[c] * size[k]) >= MERGE_AT:
                heapq.heappush(heap, (-s / (size[c] * size[k]), k, c))
    themes = [members[c] for c in sorted(alive) if size[c] >= min_size]
    return _attach(vectors, weights, themes, [members[c] for c in sorted(alive) if size[c] < min_size])


def _attach(vectors, weights, themes: list[list[int]], small: list[list[int]]) -> list[list[int]]:
    """Themes with each document of a small group added to the nearest theme centre within ATTACH_AT."""
    centres = [_normalise(_sum([vectors[d] for d in t], [weights[d] for d in t])) for t in themes]
    grown = [list(t) for t in themes]
    for d in sorted(d for g in small for d in g):
        best = max(range(len(centres)), key=lambda i: (_dot(vectors[d], centres[i]), -i), default=None)
        if best is not None and _dot(vectors[d], centres[best]) >= ATTACH_AT:
            grown[best].append(d)
    return grown


def _sum(vectors: list[dict[str, float]], weights: list[int]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for vector, weight in zip(vectors, weights, strict=True):
        for t, x in vector.items():
            total[t] += x * weight
    return total


def _normalise(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(x * x for x in vector.values()))
    return {t: x / norm for t, x in vector.items()} if norm else {}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0.0) for t, x in a.items())


def _top_terms(centre: dict[str, float], surface: dict[str, Counter], n: int = 8) -> list[tuple[str, str, float]]:
    """The centre's heaviest terms as (term, readable words, weight); a stem reads as its most common spelling."""
    out: list[tuple[str, str, float]] = []
    for term, weight in sorted(centre.items(), key=lambda tw: (-tw[1], tw[0])):
        shown = " ".join(_readable(part, surface) for part in term.split())
        if shown not in (s for _, s, _ in out):
            out.append((term, shown, weight))
        if len(out) == n:
            break
    return out


def _readable(term: str, surface: dict[str, Counter]) -> str:
    if term.startswith("~"):
        return term[1:]
    spellings = surface.get(term)
    return min(spellings, key=lambda w: (-spellings[w], len(w), w)) if spellings else term


def _label(ranked: list[tuple[str, str, float]]) -> list[str]:
    """The top term, then one or two words of the answers that repeat none of its stems (concepts are names)."""
    if not ranked:
        return []
    shown = [ranked[0]]
    for term, words, weight in ranked[1:]:
        stems = {theme_text.stem(w) for w in words.split()}
        if term.startswith("~") or any(stems & {theme_text.stem(w) for w in s.split()} for _, s, _ in shown):
            continue
        if len(shown) == 2 and weight < 0.5 * shown[1][2]:
            break
        shown.append((term, words, weight))
        if len(shown) == 3:
            break
    return [words for _, words, _ in shown]


def _feature(texts: list[str], features) -> str | None:
    """The feature most of the theme's answers name by a word of its key ("csv_export": csv, export), when at least
    FEATURE_SHARE of them do: a theme about crashes that happens to share a concept with alerts names no feature."""
    said = [set(theme_text.tokens(text, defaultdict(Counter))) for text in texts]
    best, best_share = None, FEATURE_SHARE
    for key, _name in features:
        spelled = theme_text.tokens(key.replace("_", " ").replace("-", " "), defaultdict(Counter))
        words = {w for w in spelled if not w.startswith("~")}
        share = sum(bool(words & s) for s in said) / len(said) if said and words else 0.0
        if share >= best_share and (best is None or share > best_share):
            best, best_share = key, share
    return best


def _weeks(times: list[datetime]) -> list[date]:
    """Every Monday from the first answer's ISO week to the last one's."""
    first, last = _monday(min(times)), _monday(max(times))
    return [first + timedelta(weeks=w) for w in range((last - first).days // 7 + 1)]


def _monday(at: datetime) -> date:
    day = (at.astimezone(UTC) if at.tzinfo else at).date()
    return day - timedelta(days=day.weekday())


def _theme(kept, texts, indices, weeks, label, terms, total) -> dict:
    """A group's dict: its answers (indices into kept, most central first), quotes and weekly counts."""
    quotes: list[dict] = []
    seen: set[str] = set()
    for i in indices:
        key = " ".join(texts[i].lower().split())
        if key not in seen and len(quotes) < QUOTES:
            seen.add(key)
            a = kept[i]
            quotes.append({"id": a.id, "text": texts[i], "personId": a.person_id, "at": a.at.isoformat()})
    per_week = Counter(_monday(kept[i].at) for i in indices)
    return {
        "label": label,
        "terms": terms,
        "count": len(indices),
        "share": len(indices) / total,
        "quotes": quotes,
        "trend": [{"start": w.isoformat(), "count": per_week.get(w, 0)} for w in weeks],
        "answerIds": sorted(kept[i].id for i in indices),
    }
