"""Themes in the answers to open-text questions, computed in process: TF-IDF, a synonym lexicon, average linkage.

Each answer becomes a TF-IDF vector of light-stemmed words, bigrams and the general feedback concepts of
LEXICON (slow, laggy and "takes forever" all add `speed`). Unique answers are merged by average-linkage
agglomerative clustering until no two groups are closer than MERGE_AT (cosine); groups holding fewer than
`_min_size` answers are attached to the nearest theme centre when within ATTACH_AT, else they go to "Other".
Answers with no word worth grouping ("ok", "n/a", an emoji) go to "Other" directly.

Caps keep a results page fast: the newest MAX_ANSWERS answers of a question, each cut at MAX_CHARS
characters; `for_survey` reads at most MAX_RESPONSES responses of a survey.
"""

import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Response

MAX_ANSWERS = 2000
MAX_CHARS = 1000
MAX_RESPONSES = 10_000
MERGE_AT = 0.2
ATTACH_AT = 0.15
CONCEPT_WEIGHT = 3.0
MIN_DF = 0.005
QUOTES = 3

# General product-feedback vocabulary: per concept, the words (or their stems) and the phrases that say it.
LEXICON = {
    "speed": (
        "slow slowly slower slowness laggy lag lags lagging sluggish loading load loads performance perf fast "
        "faster quicker speed snappy latency spinner spinning crawl crawls seconds minutes ages wait waiting",
        ("takes forever", "take forever", "took forever"),
    ),
    "pricing": (
        "price prices pricing priced expensive pricey cost costs costly cheap cheaper afford affordable "
        "overpriced subscription tier billing bill billed invoice fee fees budget money discount dollars pay "
        "paying paid spend spending renewal quote",
        (),
    ),
    "export": (
        "export exports exported exporting csv excel spreadsheet spreadsheets sheets xlsx download downloads "
        "downloading file files",
        (),
    ),
    "integrations": (
        "integration integrations integrate integrates slack salesforce hubspot zapier jira api webhook "
        "webhooks connector connect connects sync syncing intercom zendesk crm",
        (),
    ),
    "mobile": (
        "mobile phone phones iphone android ios tablet ipad smartphone handheld responsive",
        ("on the go", "small screens"),
    ),
    "onboarding": (
        "onboarding setup tutorial walkthrough docs documentation confusing confused install installation "
        "configure configuration guide start started struggle",
        ("set up", "getting started", "learning curve", "hard to understand", "figure out", "first steps"),
    ),
    "notifications": (
        "notification notifications notify email emails mail inbox spam alert alerts digest ping pings push "
        "unsubscribe reminder reminders",
        ("too many",),
    ),
    "search": (
        "search searching searches find finding lookup filter filters locate",
        ("look up", "search box"),
    ),
    "design": (
        "design ui interface layout colors colours color colour font fonts contrast ugly cluttered dated "
        "theme bright darker eyes crowded",
        ("dark mode", "dark theme", "night mode", "looks old"),
    ),
    "reports": (
        "report reports reporting dashboard dashboards chart charts graph graphs analytics metrics insights "
        "visualisation visualization kpi kpis trend trends numbers compare",
        ("over time", "at a glance"),
    ),
    "bugs": (
        "bug bugs buggy crash crashes crashed crashing glitch glitches glitchy error errors broken breaks "
        "freeze freezes frozen unstable blank",
        ("doesnt work", "not working", "stopped working", "keeps failing", "went wrong", "does nothing"),
    ),
    "support": (
        "support helpdesk agent agents ticket tickets reply replied respond responded representative rep help "
        "chat answered",
        ("customer service", "support team"),
    ),
}

# Words that name no topic: function words, fillers and praise ("ok", "n/a", "great") group nothing.
_STOPWORD_TEXT = """
a about above after again against all almost also always am amazing an and any app are arent as at awesome bad
be because been before being below best better between bit both but by can cannot cant cool could couldnt did
didnt do does doesnt doing dont down during each even ever every feel feels few fine for from further gapwise
get gets getting good got great had has have having he her here hers him his how i id if ill im in into is isnt
it itll its ive just keep let lets like lot lots love made make makes many maybe me more most much must my n na
need needs never nice no none nope nor not nothing now of off often ok okay on once one only or other our ours
out over own please product quite rather really same see seems she should shouldnt show shows so some sometimes
still such sure than thank thanks that thats the their them then there these they theyre thing things think this
those though through time times to too took tool under until up us use used using very want wants was wasnt way
we wed well were what when where which while who whom why will wish with wont worse worst would yeah yep yes yet
you your youre
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_WORD = re.compile(r"[^\W_]+")
_SUFFIXES = ("ations", "ation", "ments", "ment", "ness", "ings", "ing", "ies", "ied", "edly", "ly", "ed", "es", "s")


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
        unique[" ".join(_tokens(text, surface))].append(i)
    docs = [(key.split(), members) for key, members in unique.items() if key]
    vectors = _tfidf([(_terms(tokens), len(members)) for tokens, members in docs])
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
            | {"feature": _feature(centre, features), "other": False}
        )
    themes.sort(key=lambda t: (-t["count"], t["label"]))
    rest = [i for i in range(len(kept)) if i not in placed]
    if rest:
        themes.append(_theme(kept, texts, rest, weeks, "Other", [], len(kept)) | {"feature": None, "other": True})
    return themes


def for_survey(
    session: Session, project_id: int, survey, filters: dict, features: Sequence[tuple[str, str]] = ()
) -> dict:
    """The themes of each text question of the survey, over its newest responses matching the filters."""
    content = survey.content or {}
    locale = content.get("defaultLocale", "en")
    questions = [q for q in content.get("questions", []) if q["type"] == "text"]
    found: dict[str, list[ThemeInput]] = {q["id"]: [] for q in questions}
    stmt = select(Response).where(Response.project_id == project_id, Response.survey_id == survey.id)
    for name, condition in (
        ("stage", lambda v: Response.stage == v),
        ("completed", lambda v: Response.completed.is_(v)),
        ("since", lambda v: Response.created_at >= v),
        ("until", lambda v: Response.created_at < v),
    ):
        if filters.get(name) is not None:
            stmt = stmt.where(condition(filters[name]))
    capped = False
    if questions:
        stmt = stmt.order_by(Response.id.desc()).limit(MAX_RESPONSES + 1).execution_options(yield_per=500)
        for n, response in enumerate(session.scalars(stmt)):
            if n == MAX_RESPONSES or all(len(a) > MAX_ANSWERS for a in found.values()):
                capped = True
                break
            for qid, answers in found.items():
                text = (response.answers or {}).get(qid)
                if isinstance(text, str) and text.strip() and len(answers) <= MAX_ANSWERS:
                    answers.append(ThemeInput(response.id, text, response.created_at, response.person_id))
    capped = capped or any(len(a) > MAX_ANSWERS for a in found.values())
    return {
        "questions": [
            {
                "id": q["id"],
                "text": q["text"].get(locale) or q["id"],
                "answers": min(len(found[q["id"]]), MAX_ANSWERS),
                "themes": group(found[q["id"]][:MAX_ANSWERS], features),
            }
            for q in questions
        ],
        "capped": capped,
    }


def _min_size(n: int) -> int:
    # Below 3 answers a "theme" is a coincidence; on big inputs, below half a percent it is noise.
    return max(2 if n < 20 else 3, math.ceil(n * 0.005))


def _tokens(text: str, surface: dict[str, Counter]) -> list[str]:
    """Stems of the answer's content words, in order, each followed by the concepts its word says."""
    plain = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("'", "")
    words = [w for w in _WORD.findall(plain) if not w.isdigit()]
    concepts, phrases = _lexicon()
    out = []
    for word in words:
        concept = concepts.get(word) or concepts.get(_stem(word))
        if concept:
            out.append("~" + concept)
        if len(word) > 1 and word not in STOPWORDS:
            stem = _stem(word)
            surface[stem][word] += 1
            out.append(stem)
    joined = " ".join(words)
    out += ["~" + concept for pattern, concept in phrases if pattern.search(joined)]
    return out


def _stem(word: str) -> str:
    """A light stem: one common English suffix off when at least 3 letters stay (exports, exported → export)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith(("ss", "us", "is")):
            stem = word[: -len(suffix)]
            return stem + "y" if suffix in ("ies", "ied") else stem
    return word


@cache
def _lexicon() -> tuple[dict[str, str], list[tuple[re.Pattern, str]]]:
    """LEXICON as {word or its stem: concept} and [(phrase pattern, concept)]."""
    words: dict[str, str] = {}
    phrases: list[tuple[re.Pattern, str]] = []
    for concept, said in LEXICON.items():
        single, several = said
        words.update((w, concept) for w in single.split())
        words.update((_stem(w), concept) for w in single.split() if _stem(w) not in words)
        phrases += [(re.compile(rf"\b{re.escape(p)}\b"), concept) for p in several]
    return words, phrases


def _terms(tokens: list[str]) -> Counter:
    """Term counts of one answer: its stems and concepts, and bigrams of consecutive stems."""
    counts = Counter(tokens)
    words = [t for t in tokens if not t.startswith("~")]
    counts.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False) if a != b)
    return counts


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
    index: dict[str, list[int]] = defaultdict(list)
    for d, vector in enumerate(vectors):
        for t in vector:
            index[t].append(d)
    links: list[dict[int, float]] = [{} for _ in vectors]  # cluster → neighbour → Σ weighted similarities
    for d, vector in enumerate(vectors):
        sims: dict[int, float] = defaultdict(float)
        for t, x in vector.items():
            for e in index[t]:
                if e > d:
                    sims[e] += x * vectors[e][t]
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
        stems = {_stem(w) for w in words.split()}
        if term.startswith("~") or any(stems & {_stem(w) for w in s.split()} for _, s, _ in shown):
            continue
        if len(shown) == 2 and weight < 0.5 * shown[1][2]:
            break
        shown.append((term, words, weight))
        if len(shown) == 3:
            break
    return [words for _, words, _ in shown]


def _feature(centre: dict[str, float], features) -> str | None:
    """The feature whose key or name words weigh most among the theme's top terms, if any does."""
    top = dict(sorted(centre.items(), key=lambda tw: (-tw[1], tw[0]))[:6])
    best, best_score = None, 0.0
    for key, name in features:
        words = set(_tokens(f"{key.replace('_', ' ').replace('-', ' ')} {name}", defaultdict(Counter)))
        score = sum(top.get(w, 0.0) for w in words)
        if score > best_score:
            best, best_score = key, score
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
