"""How an answer's text becomes terms: normalised words, stopwords, light stems, bigrams and feedback concepts."""

import re
import unicodedata
from collections import Counter
from functools import cache

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


def tokens(text: str, surface: dict[str, Counter]) -> list[str]:
    """Stems of the answer's content words in order, concepts ("~speed") after the words and phrases saying them.

    `surface` counts the spellings of each stem, so that a theme's label can show a real word.
    """
    plain = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("'", "")
    words = [w for w in _WORD.findall(plain) if not w.isdigit()]
    concepts, phrases = _lexicon()
    out = []
    for word in words:
        concept = concepts.get(word) or concepts.get(stem(word))
        if concept:
            out.append("~" + concept)
        if len(word) > 1 and word not in STOPWORDS:
            root = stem(word)
            surface[root][word] += 1
            out.append(root)
    joined = " ".join(words)
    out += ["~" + concept for pattern, concept in phrases if pattern.search(joined)]
    return out


def stem(word: str) -> str:
    """A light stem: one common English suffix off when at least 3 letters stay (exports, exported → export)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith(("ss", "us", "is")):
            root = word[: -len(suffix)]
            return root + "y" if suffix in ("ies", "ied") else root
    return word


@cache
def _lexicon() -> tuple[dict[str, str], list[tuple[re.Pattern, str]]]:
    """LEXICON as {word or its stem: concept} and [(phrase pattern, concept)]."""
    words: dict[str, str] = {}
    phrases: list[tuple[re.Pattern, str]] = []
    for concept, said in LEXICON.items():
        single, several = said
        words.update((w, concept) for w in single.split())
        words.update((stem(w), concept) for w in single.split() if stem(w) not in words)
        phrases += [(re.compile(rf"\b{re.escape(p)}\b"), concept) for p in several]
    return words, phrases


def terms(said: list[str]) -> Counter:
    """Term counts of one answer (its `tokens`): stems and concepts, and bigrams of consecutive stems."""
    counts = Counter(said)
    words = [t for t in said if not t.startswith("~")]
    counts.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False) if a != b)
    return counts
