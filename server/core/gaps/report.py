"""The gap report: flags of the current window with value, priority and trend; remediation that is checked.

A flag shows in the most specific place it holds: a sub-cohort (stage, segment) is reported only where
everyone's cohort is not flagged for the same type and subject. Each evaluated window stores a snapshot
per gap, so trends (new, widening, steady, closing, closed) survive later changes to the data. A gap
marked resolved is re-measured: flagged again in a window that starts after it was resolved, it reopens.

`evaluate` measures and stores (the scheduler, POST /api/v1/gaps/evaluate and `gapwise gaps --evaluate`
call it); `read` only shows what the last evaluation stored, so reading the report never writes.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ...db import begin_write
from ...errors import NotFound
from ...formats import percent
from ...models import Feature, Gap, GapPeople, GapSnapshot, GapWindow, Person, Segment
from ...models.base import utcnow
from ..journey.stages import STAGES
from ..segments import definitions as segments
from ..storage.sql import day_number, is_write_conflict
from ..surveys import scores
from ..webhooks import hooks as webhooks
from . import flags as gap_flags
from . import metrics as gap_metrics
from . import stats
from .metrics import Window
from .population import population
from .thresholds import gap_thresholds

STATUSES = ("open", "acknowledged", "in_progress", "resolved")
DEFAULT_EFFORT = 3
MAX_ACCOUNTS_KEPT = 1000


def window_ending(at: datetime | None, days: int) -> Window:
    """The `days` whole UTC days up to and including the day of `at` (now by default)."""
    end = day_number(at or utcnow()) + 1
    return Window(end - days, end)


CONFLICT_TRIES = 3


def evaluate(session: Session, project_id: int, at: datetime | None = None) -> dict:
    """Measure the window ending at `at` (now by default) against the window before, store both, enqueue
    gap.flagged / gap.closed webhooks; return the report by priority. An evaluation that lost a deadlock or a
    serialization race to a concurrent one (the scheduler, another request) starts again: it only measures."""
    for attempt in range(CONFLICT_TRIES):
        try:
            return _evaluate(session, project_id, at)
        except DBAPIError as error:
            session.rollback()
            if attempt + 1 == CONFLICT_TRIES or not is_write_conflict(error):
                raise
    raise AssertionError("unreachable")


def _evaluate(session: Session, project_id: int, at: datetime | None) -> dict:
    thresholds = gap_thresholds(session, project_id)
    window = window_ending(at, thresholds["windowDays"])
    earlier = window.previous()
    # Measuring only reads and takes the time: it runs before the write lock is taken (on SQLite one
    # lock serves the whole file, and the ingest writer and the dashboard wait for it).
    earlier_measured = None
    if _snapshots(session, project_id, earlier) is None:
        earlier_measured = measure(session, project_id, earlier, thresholds)
    measured_now = measure(session, project_id, window, thresholds)
    current = measured_now.flags
    begin_write(session)
    previous = _snapshots(session, project_id, earlier)
    if previous is None:
        if earlier_measured is None:  # another evaluation removed it meanwhile: measure it again
            earlier_measured = measure(session, project_id, earlier, thresholds)
        _store(session, project_id, earlier, earlier_measured)
        previous = _snapshots(session, project_id, earlier)
        assert previous is not None  # _store has just recorded the window
    announced = _last_announced(session, project_id, window)
    evaluated = _store(session, project_id, window, measured_now, previous)
    entries = evaluated.entries
    if _latest_window_end(session, project_id, window) <= window.end:  # links show the latest window's people
        _keep_people(session, project_id, current, entries)
    flagged_now = {f["key"] for f in current}
    for key, (gap, snap) in previous.items():
        if key not in flagged_now and snap.flagged:
            entries.append(_closed(session, gap, snap, window))
    webhooks.gap_changes(session, project_id, _window(window), entries, announced)
    session.commit()
    return _report(window, thresholds, entries, evaluated.row.computed_at, measured_now.short)


# The name callers used before evaluating and reading were split.
report = evaluate


def read(session: Session, project_id: int, at: datetime | None = None) -> dict:
    """The report as last evaluated, from stored snapshots only (no writes, no webhooks): of the window
    ending on the day of `at`, or by default of the latest evaluated window up to today. A window never
    evaluated reads as an empty report with `state` "not_evaluated" and `measuredAt` null."""
    thresholds = gap_thresholds(session, project_id)
    days = thresholds["windowDays"]
    window = window_ending(at, days)
    if at is None:
        latest = session.scalar(
            select(GapWindow.window_end)
            .where(GapWindow.project_id == project_id, GapWindow.window_days == days)
            .where(GapWindow.window_end <= window.end)
            .order_by(GapWindow.window_end.desc())
            .limit(1)
        )
        window = Window(latest - days, latest) if latest is not None else window
    evaluated = session.get(GapWindow, (project_id, window.end, days))
    if evaluated is None:
        return _report(window, thresholds, [], None)
    snapshots = _snapshots(session, project_id, window) or {}
    entries = [_stored_entry(gap, snap) for gap, snap in snapshots.values()]
    return _report(window, thresholds, entries, evaluated.computed_at, evaluated.not_enough_data or [])


def _latest_window_end(session: Session, project_id: int, window: Window) -> int:
    days = window.end - window.start
    latest = session.scalar(
        select(func.max(GapWindow.window_end)).where(GapWindow.project_id == project_id, GapWindow.window_days == days)
    )
    return latest if latest is not None else window.end


def _keep_people(session: Session, project_id: int, flags: list[dict], entries: list[dict]) -> None:
    """Store who each flagged gap touches, replacing what the last evaluation stored."""
    session.execute(delete(GapPeople).where(GapPeople.project_id == project_id))
    rows = [
        {"gap_id": entry["id"], "project_id": project_id, "person_ids": sorted(f["people"])}
        for f, entry in zip(flags, entries, strict=True)
    ]
    if rows:
        session.execute(insert(GapPeople), rows)


def _last_announced(session: Session, project_id: int, window: Window) -> dict[str, bool]:
    """Whether each gap was flagged by the latest evaluation of this window, or else of a window ending since
    the previous one: what the webhooks said last, so a gap still flagged tomorrow is not announced again."""
    days = window.end - window.start
    end = session.scalar(
        select(func.max(GapWindow.window_end)).where(
            GapWindow.project_id == project_id,
            GapWindow.window_days == days,
            GapWindow.window_end > window.start,
            GapWindow.window_end <= window.end,
        )
    )
    if end is None:
        return {}
    return {
        key: snap.flagged for key, (_, snap) in (_snapshots(session, project_id, Window(end - days, end)) or {}).items()
    }


def _report(
    window: Window, thresholds: dict, entries: list[dict], measured_at: datetime | None, short: list | None = None
) -> dict:
    """The report; `state` is not_evaluated, not_enough_data (no gap flagged and some rule had too few people
    to test), or evaluated. `notEnoughData` lists the rules waiting for people, whatever the state."""
    entries.sort(key=lambda e: (e["trend"] == "closed", -e["priority"], e["key"]))
    state = "not_evaluated" if measured_at is None else "evaluated"
    if measured_at is not None and short and not any(e["flagged"] for e in entries):
        state = "not_enough_data"
    return {
        "window": _window(window),
        "previousWindow": _window(window.previous()),
        "thresholds": thresholds,
        "gaps": entries,
        "measuredAt": measured_at,
        "state": state,
        "notEnoughData": short or [],
    }


@dataclass
class Measured:
    """What one window measured: its flags (most specific cohort only), and the rules everyone's cohort had
    too few people to test (flags.waiting), so "not enough data yet" reads apart from "no gap"."""

    flags: list[dict]
    short: list[dict]


def measure(session: Session, project_id: int, window: Window, t: dict) -> Measured:
    """Every flag of one window, with its value and priority, most specific cohort only."""
    short: list[dict] = []
    features = list(session.scalars(select(Feature).where(Feature.project_id == project_id).order_by(Feature.key)))
    counted = population(session, project_id)
    everyone = gap_metrics.everyone(counted)
    members = select(Person.id).where(Person.project_id == project_id, counted)
    csat = scores.csat_by_feature(session, project_id, window.since, window.until, people=members)
    usage = gap_metrics.read_usage(session, project_id, window, features, counted)
    by_stage = gap_metrics.people_by_stage(session, project_id, window.since, counted)
    population_ids = frozenset().union(*by_stage.values())
    flags = gap_flags.feature_flags(
        session, project_id, window, features, everyone, t, csat, usage, population_ids, short
    )
    flags += gap_flags.stall_flags(session, project_id, window, everyone, t, short)
    flags += gap_flags.survey_flags(session, project_id, window, features, everyone, None, t, short)
    flags += gap_flags.knowledge_flags(session, project_id, window, features, everyone, t, short)
    for stage in STAGES:
        cohort = gap_metrics.stage_cohort(stage, window.since, counted)
        people = by_stage.get(stage, frozenset())
        flags += gap_flags.feature_flags(session, project_id, window, features, cohort, t, csat, usage, people)
    for segment in session.scalars(select(Segment).where(Segment.project_id == project_id).order_by(Segment.key)):
        stmt = segments.person_ids_statement(project_id, segment.rules, window.until)
        cohort = gap_metrics.Cohort(f"segment:{segment.key}", and_(counted, Person.id.in_(stmt)))
        people = gap_metrics.members(session, project_id, cohort)
        flags += gap_flags.feature_flags(session, project_id, window, features, cohort, t, csat, usage, people)
        flags += gap_flags.stall_flags(session, project_id, window, cohort, t)
        flags += gap_flags.survey_flags(session, project_id, window, features, cohort, stmt, t)
    kept = _most_specific(flags)
    person_value = t.get("personValue")
    if person_value is None:
        person_value = gap_metrics.median_mrr_per_person(session, project_id)
    known = gap_metrics.accounts(session, project_id)
    for f in kept:
        if not isinstance(f["people"], set):  # a statement: read once, for its value and its stored list
            f["people"] = set(session.scalars(f["people"]))
        affected = gap_metrics.affected_value(f["people"], known, person_value)
        f["evidence"]["atRisk"] = {k: affected[k] for k in ("mrr", "estimated", "withoutMrr", "personValue", "value")}
        effort = f["feature"].effort if f["feature"] is not None else DEFAULT_EFFORT
        f.update(
            key=f"{f['type']}:{f['subject']}:{f['cohort']}",
            effort=effort,
            affected=affected,
            priority=round(affected["value"] * f["severity"] / effort, 2),
        )
    return Measured(kept, short)


def _most_specific(flags: list[dict]) -> list[dict]:
    """Everyone's flags, and a stage's or segment's where everyone's is not flagged for the same type and
    subject, or where the cohort is significantly worse than everyone else on the measure that flagged it
    (its evidence then says so, under `comparedWithRest`)."""
    overall = {(f["type"], f["subject"]): f for f in flags if f["cohort"] == "all"}
    kept = []
    for f in flags:
        everyone = overall.get((f["type"], f["subject"]))
        if f["cohort"] == "all" or everyone is None:
            kept.append(f)
            continue
        measure = f["evidence"].get("measure") or {}
        same = (everyone["evidence"].get("measures") or {}).get(measure.get("name"))
        contrast = stats.worse_than_rest(measure, same) if same and "measures" in f["evidence"] else None
        if contrast is not None:
            f["evidence"]["comparedWithRest"] = {"measure": measure["name"], **contrast}
            kept.append(f)
    return kept


def _snapshots(session: Session, project_id: int, window: Window) -> dict | None:
    """The stored snapshots of a window by gap key, or None if the window was never evaluated."""
    if session.get(GapWindow, (project_id, window.end, window.end - window.start)) is None:
        return None
    rows = session.execute(
        select(Gap, GapSnapshot)
        .join(GapSnapshot, GapSnapshot.gap_id == Gap.id)
        .where(
            GapSnapshot.project_id == project_id,
            GapSnapshot.window_end == window.end,
            GapSnapshot.window_days == window.end - window.start,
        )
    ).all()
    return {gap.key: (gap, snap) for gap, snap in rows}


@dataclass
class _Stored:
    """A window's record and the report entries of its flags, as `_store` left them."""

    row: GapWindow
    entries: list[dict]


def _store(session: Session, project_id: int, window: Window, measured: Measured, previous: dict | None = None):
    """Record the window and its flags' gaps and snapshots; snapshots of gaps no longer flagged are dropped
    (a gap that closes gets a snapshot of its own from `_closed`)."""
    days, flags = window.end - window.start, measured.flags
    evaluated = session.get(GapWindow, (project_id, window.end, days))
    if evaluated is None:
        evaluated = GapWindow(project_id=project_id, window_end=window.end, window_days=days, computed_at=utcnow())
        session.add(evaluated)
    else:
        evaluated.computed_at = utcnow()
    evaluated.not_enough_data = measured.short
    keys = [f["key"] for f in flags]
    gaps = {g.key: g for g in session.scalars(select(Gap).where(Gap.project_id == project_id, Gap.key.in_(keys)))}
    for f in flags:
        gap = gaps.get(f["key"])
        if gap is None:
            gap = gaps[f["key"]] = Gap(
                project_id=project_id,
                key=f["key"],
                type=f["type"],
                subject=f["subject"],
                cohort=f["cohort"],
                feature_id=f["feature"].id if f["feature"] else None,
                first_flagged_at=window.until,
            )
            session.add(gap)
        elif gap.status == "resolved" and gap.resolved_at and window.since >= gap.resolved_at:
            gap.status, gap.reopened_at, gap.updated_at = "open", utcnow(), utcnow()
    session.flush()
    session.execute(
        delete(GapSnapshot).where(
            GapSnapshot.project_id == project_id,
            GapSnapshot.window_end == window.end,
            GapSnapshot.window_days == days,
            GapSnapshot.gap_id.not_in([g.id for g in gaps.values()]),
        )
    )
    entries = [_entry(gaps[f["key"]], f, (previous or {}).get(f["key"])) for f in flags]
    for f, entry in zip(flags, entries, strict=True):
        _snapshot(session, project_id, gaps[f["key"]], window, entry, f)
    return _Stored(evaluated, entries)


# What the report shows of a gap beyond the snapshot's columns, kept under this key of its evidence.
_SHOWN = ("effort", "valueBasis", "affectedPeople", "affectedAccounts", "mrr", "trend", "previousSeverity", "headline")


def _snapshot(session, project_id, gap: Gap, window: Window, entry: dict, f: dict | None = None) -> None:
    """Store what one window measured for one gap: enough for `read` to show the entry again."""
    snap = session.scalar(select(GapSnapshot).where(GapSnapshot.gap_id == gap.id, GapSnapshot.window_end == window.end))
    if snap is None:
        snap = GapSnapshot(project_id=project_id, gap_id=gap.id, window_end=window.end)
        session.add(snap)
    snap.window_days, snap.flagged, snap.computed_at = window.end - window.start, entry["flagged"], utcnow()
    snap.severity, snap.priority, snap.value = entry["severity"], entry["priority"], entry["value"]
    shown = {"shown": {k: entry[k] for k in _SHOWN}}
    snap.evidence = {**_evidence(f), **shown} if f else shown


def _evidence(f: dict) -> dict:
    affected = {**f["affected"], "accounts": f["affected"]["accounts"][:MAX_ACCOUNTS_KEPT]}
    return {**f["evidence"], "affected": affected}


def _trend(f: dict, before: GapSnapshot | None) -> str:
    """New when the previous window did not flag it; otherwise widening or closing only when the measure
    that decided the flag changed significantly between the windows (stats.change), else steady."""
    if before is None or not before.flagged:
        return "new"
    return stats.change((before.evidence or {}).get("measure"), f["evidence"].get("measure"))


def _entry(gap: Gap, f: dict, previous) -> dict:
    before = previous[1] if previous else None
    affected = f["affected"]
    return {
        **_gap(gap),
        "flagged": True,
        "severity": f["severity"],
        "effort": f["effort"],
        "value": affected["value"],
        "valueBasis": affected["basis"],
        "affectedPeople": affected["people"],
        "affectedAccounts": len(affected["accounts"]),
        "mrr": affected["mrr"],
        "priority": f["priority"],
        "evidence": f["evidence"],
        "trend": _trend(f, before),
        "previousSeverity": before.severity if before and before.flagged else None,
        "headline": _headline(f["type"], f["evidence"]),
    }


def _closed(session, gap: Gap, before: GapSnapshot, window: Window) -> dict:
    """A gap flagged in the previous window and not in this one."""
    entry = {
        **_gap(gap),
        "flagged": False,
        "severity": 0.0,
        "effort": None,
        "value": 0.0,
        "valueBasis": None,
        "affectedPeople": 0,
        "affectedAccounts": 0,
        "mrr": 0.0,
        "priority": 0.0,
        "evidence": {},
        "trend": "closed",
        "previousSeverity": before.severity,
        "headline": "closed in this window",
    }
    _snapshot(session, gap.project_id, gap, window, entry)
    return entry


def _stored_entry(gap: Gap, snap: GapSnapshot) -> dict:
    """A report entry from its stored snapshot, with the gap's remediation as it stands now."""
    stored = dict(snap.evidence or {})
    shown, affected = stored.pop("shown", {}), stored.pop("affected", {})
    return {
        **_gap(gap),
        "flagged": snap.flagged,
        "severity": snap.severity,
        "effort": shown.get("effort"),
        "value": snap.value,
        "valueBasis": shown.get("valueBasis", affected.get("basis")),
        "affectedPeople": shown.get("affectedPeople", affected.get("people", 0)),
        "affectedAccounts": shown.get("affectedAccounts", len(affected.get("accounts", []))),
        "mrr": shown.get("mrr", affected.get("mrr", 0.0)),
        "priority": snap.priority,
        "evidence": stored,
        "trend": shown.get("trend", "new" if snap.flagged else "closed"),
        "previousSeverity": shown.get("previousSeverity"),
        "headline": shown.get("headline") or (_headline(gap.type, stored) if snap.flagged else "closed in this window"),
    }


def _headline(kind: str, evidence: dict) -> str:
    text = gap_flags.HEADLINES[kind]
    if kind == "stall":
        return text.format(stage=evidence["stage"], next=evidence["next"])
    if kind == "value":
        return text.format(
            expected=_num(evidence["expected"]), realised=_num(evidence["realised"]), gap=_num(abs(evidence["gap"]))
        )
    if kind == "knowledge" and "goal" in evidence:  # the other knowledge rule: a goal many chose, unserved
        return gap_flags.HEADLINES["knowledge:goal"].format(share=percent(evidence["share"]), goal=evidence["goal"])
    return text


def _num(x) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


def _gap(gap: Gap) -> dict:
    return {
        "id": gap.id,
        "key": gap.key,
        "type": gap.type,
        "subject": gap.subject,
        "cohort": gap.cohort,
        "feature": gap.subject if gap.feature_id and gap.type in ("communication", "delivery") else None,
        "remediation": remediation(gap),
    }


def remediation(gap: Gap) -> dict:
    return {
        "status": gap.status,
        "owner": gap.owner,
        "note": gap.note,
        "dueDate": gap.due_date.isoformat() if gap.due_date else None,
        "resolvedAt": gap.resolved_at,
        "reopened": gap.reopened_at is not None and gap.status != "resolved",
        "reopenedAt": gap.reopened_at,
    }


def update_remediation(session: Session, project_id: int, gap_id: int, changes: dict) -> dict:
    """Set owner, status, note or due date; resolving starts the check against the next window."""
    gap = session.scalar(select(Gap).where(Gap.project_id == project_id, Gap.id == gap_id))
    if gap is None:
        raise NotFound(f"No gap with id {gap_id}.")
    if changes.get("status") == "resolved" and gap.status != "resolved":
        gap.resolved_at = utcnow()
    for field in ("status", "owner", "note", "due_date"):
        if field in changes:
            setattr(gap, field, changes[field])
    gap.updated_at = utcnow()
    session.commit()
    return {**_gap(gap)}


def _window(w: Window) -> dict:
    return {"start": w.since, "end": w.until, "days": w.end - w.start}
