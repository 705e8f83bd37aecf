"""`gapwise rollups`, `gapwise journey`, `gapwise gaps` and `gapwise accounts`: the gap engine from a terminal."""

from datetime import UTC, timedelta

import click
from sqlalchemy import select

from ..core.gaps import health
from ..core.gaps import report as gaps
from ..core.ingest import rollups
from ..core.journey import stages as journey
from ..db import db, write_lock_options
from ..models import Project
from .common import existing_project, make_app, project_option, storage_guard


@click.group("rollups")
def rollups_group() -> None:
    """Usage rollups kept at ingest time."""


@rollups_group.command("rebuild")
@project_option
def rollups_rebuild(project_id) -> None:
    """Recompute a project's rollups (and journey stages) from its raw events."""

    def run():
        db.session.connection(execution_options=write_lock_options())
        pid = existing_project(project_id)
        rollups.rebuild(db.session, pid)
        changed = journey.recompute(db.session, pid)
        db.session.commit()
        return changed

    changed = storage_guard(make_app(), run)
    click.echo(f"rollups rebuilt for project {project_id}; {changed} people changed stage")


def _at_option(func):
    return click.option(
        "--at",
        type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S"]),
        help="The window ending on this day (default: the latest evaluated; with --evaluate, today, UTC).",
    )(func)


def _aware(at):
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


@click.command("gaps")
@click.option("--project", "project_id", type=int, help="Project id (see `project list`); --evaluate alone: all.")
@_at_option
@click.option("--evaluate", is_flag=True, help="Evaluate now: measure, store the report and send its webhooks.")
def gaps_command(project_id, at, evaluate) -> None:
    """Print the gap report as last evaluated (or evaluate it now): the gaps to close, highest priority first."""
    if project_id is None and not evaluate:
        raise click.UsageError("Missing option '--project' (it may be left out only with --evaluate).")

    def run():
        chosen = [existing_project(project_id)] if project_id is not None else _project_ids()
        service = gaps.evaluate if evaluate else gaps.read
        return [(pid, service(db.session, pid, _aware(at))) for pid in chosen]

    reports = storage_guard(make_app(), run)
    for n, (pid, report) in enumerate(reports):
        if len(reports) > 1:
            click.echo(f"\nproject {pid}" if n else f"project {pid}")
        _print_report(pid, report)


def _project_ids() -> list[int]:
    return list(db.session.scalars(select(Project.id).order_by(Project.id)))


def _print_report(project_id: int, report: dict) -> None:
    window = report["window"]
    click.echo(
        _table(
            ["PRIORITY", "TYPE", "SUBJECT", "COHORT", "SEVERITY", "AFFECTED", "TREND", "STATUS", "READS AS"],
            [
                [
                    f"{g['priority']:,.0f}",
                    g["type"],
                    g["subject"],
                    g["cohort"],
                    f"{g['severity']:.2f}",
                    _affected(g),
                    g["trend"],
                    g["remediation"]["status"],
                    g["headline"],
                ]
                for g in report["gaps"]
            ],
        )
    )
    last_day = window["end"] - timedelta(days=1)
    measured = report["measuredAt"]
    click.echo(
        f"\nwindow {window['start']:%Y-%m-%d} to {last_day:%Y-%m-%d} ({window['days']} days, UTC); "
        + (
            f"{sum(g['flagged'] for g in report['gaps'])} gaps flagged; measured {measured:%Y-%m-%d %H:%M} UTC"
            if measured
            else f"not evaluated yet (run `gapwise gaps --evaluate --project {project_id}`)"
        )
    )
    for w in report.get("notEnoughData", []):
        click.echo(
            f"not enough data yet: {w['type']} on {w['subject']}, {w['n']} of the {w['needed']} {w['of']} needed"
        )


def _affected(g: dict) -> str:
    if not g["flagged"]:
        return "-"
    if g["valueBasis"] == "mrr":
        return f"{g['affectedPeople']} people, ${g['mrr']:,.0f} MRR"
    return f"{g['affectedPeople']} people, ${g['value']:,.0f} at risk"


@click.command("accounts")
@project_option
@_at_option
def accounts_command(project_id, at) -> None:
    """Print account health, at-risk accounts first, with the reasons."""
    found = storage_guard(make_app(), lambda: health.accounts(db.session, existing_project(project_id), _aware(at)))
    click.echo(
        _table(
            ["ACCOUNT", "MRR", "PEOPLE", "SCORE", "AT RISK", "REASONS"],
            [
                [
                    a["name"] or a["externalId"],
                    f"{a['mrr'] or 0:,.0f}",
                    str(a["people"]),
                    str(a["score"]),
                    "yes" if a["atRisk"] else "",
                    "; ".join(a["reasons"]) or "-",
                ]
                for a in found
            ],
        )
    )


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell; the last column runs free."""
    if not rows:
        return "  ".join(header) + "\n(none)"
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = ("  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]) for r in [header, *rows])
    return "\n".join(line.rstrip() for line in lines)
