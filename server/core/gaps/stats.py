"""The statistics behind every flag and trend: 95% intervals, confidence that a threshold is crossed, and
whether a change between two windows is more than noise.

- A share k of n (exposure, adoption, repeat, CSAT, stalled, goal share) has a Wilson score interval.
- A mean or a difference of means (the perception gap P − E, the value gap) has a t interval from the
  answers' standard deviations (Welch's, for a difference of two groups of answers).
- A flag needs its interval wholly past the threshold: an upper bound under a floor (exposure < 50%),
  or a lower bound over a ceiling (stalled > 50%). A point estimate past the threshold is not enough.
- A trend compares a gap's measure in this window with the one before: the difference over its
  standard error (z). Only |z| > 1.96 reads widening or closing; anything less is steady.

Each measure is carried as a plain dict, stored in a snapshot's evidence, so the next window can test
against it: {"name", "value", "n", "se", "low", "high", "worse"} where `worse` says which way is bad.
"""

import math

Z95 = 1.959964
# Two-sided 97.5% quantiles of Student's t by degrees of freedom; past 120 the normal one.
_T975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    12: 2.179,
    15: 2.131,
    20: 2.086,
    25: 2.060,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    120: 1.980,
}


def t975(df: float) -> float:
    """Student's t for a 95% two-sided interval (the table's next smaller df: never too narrow)."""
    if df < 1:
        return _T975[1]
    if df > 120:
        return Z95
    return _T975[max(k for k in _T975 if k <= df)]


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a share k/n, 95% unless `z` says otherwise ((0, 1) when n is 0)."""
    if n <= 0:
        return 0.0, 1.0
    p, z2 = k / n, z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def share(name: str, k: int, n: int, worse: str) -> dict:
    """A share as a measure: its value, n, Wilson interval, and a standard error for comparing windows
    (Agresti–Caffo's, so 0 of 20 and 20 of 20 still have one)."""
    low, high = wilson(k, n)
    adjusted = (k + 1) / (n + 2)
    return {
        "name": name,
        "value": k / n if n else None,
        "n": n,
        "se": math.sqrt(adjusted * (1 - adjusted) / (n + 2)),
        "low": low,
        "high": high,
        "worse": worse,
    }


def mean(name: str, value: float, se: float, df: float, n: int, worse: str) -> dict:
    """A mean (or a difference of means) with its standard error, as a measure with a t interval."""
    half = t975(df) * se
    return {"name": name, "value": value, "n": n, "se": se, "low": value - half, "high": value + half, "worse": worse}


def difference_of_means(
    name: str, mean_a: float, var_a: float, n_a: int, mean_b: float, var_b: float, n_b: int, worse: str
) -> dict:
    """mean_a − mean_b from two groups of answers (Welch: unequal variances, Welch–Satterthwaite df)."""
    va, vb = var_a / max(n_a, 1), var_b / max(n_b, 1)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / ((va * va) / max(n_a - 1, 1) + (vb * vb) / max(n_b - 1, 1)) if va + vb > 0 else 1
    return mean(name, mean_a - mean_b, se, df, min(n_a, n_b), worse)


def confidently_below(measure: dict, threshold: float) -> bool:
    """The whole interval is under the threshold."""
    return measure["value"] is not None and measure["high"] < threshold


def confidently_above(measure: dict, threshold: float) -> bool:
    """The whole interval is over the threshold."""
    return measure["value"] is not None and measure["low"] > threshold


def change(before: dict | None, now: dict | None) -> str:
    """Widening, closing or steady: the change of one measure between two windows, tested at 95%."""
    if not before or not now or before.get("name") != now.get("name"):
        return "steady"
    if before.get("value") is None or now.get("value") is None:
        return "steady"
    se = math.sqrt(before["se"] ** 2 + now["se"] ** 2)
    delta = now["value"] - before["value"]
    if abs(delta) <= Z95 * se:
        return "steady"
    worse = delta < 0 if now["worse"] == "lower" else delta > 0
    return "widening" if worse else "closing"


def worse_than_rest(cohort: dict, everyone: dict) -> dict | None:
    """A cohort's share against everyone else's (everyone's counts less the cohort's), tested at 95%:
    {"value", "n", "z"} of the rest when the cohort is significantly worse, else None."""
    if cohort.get("value") is None or everyone.get("value") is None or cohort["name"] != everyone["name"]:
        return None
    k_cohort, n_cohort = round(cohort["value"] * cohort["n"]), cohort["n"]
    k_rest, n_rest = round(everyone["value"] * everyone["n"]) - k_cohort, everyone["n"] - n_cohort
    if n_rest <= 0 or n_cohort <= 0 or not 0 <= k_rest <= n_rest:
        return None
    pooled = (k_cohort + k_rest) / (n_cohort + n_rest)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_cohort + 1 / n_rest))
    delta = k_cohort / n_cohort - k_rest / n_rest
    worse = delta < 0 if cohort["worse"] == "lower" else delta > 0
    if se <= 0 or not worse or abs(delta) / se <= Z95:
        return None
    return {"value": k_rest / n_rest, "n": n_rest, "z": round(delta / se, 2)}
