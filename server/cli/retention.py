"""`gapwise retention`: remove raw events older than the history kept; `gapwise partitions`: the months."""

from datetime import UTC, datetime

import click

from ..core.ingest import tombstones
from ..core.storage import partitions, retention
from ..db import db
from .common import existing_project, make_app, storage_guard


class KeepType(click.ParamType):
    """`13months`, `400days`: read by the retention service, refused with its message."""

    name = "keep"

    def convert(self, value, param, ctx):
        if isinstance(value, retention.Keep):
            return value
        try:
            return retention.parse_keep(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


@click.command("retention")
@click.option(
    "--keep",
    required=True,
    type=KeepType(),
    help="History to keep: whole months (13months: this month and the 12 before) or days (400days).",
)
@click.option("--project", "project_id", type=int, help="Only this project (default: every project).")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; remove nothing.")
def retention_command(keep, project_id, dry_run) -> None:
    """Delete raw events older than --keep; rollups, people, displays and responses stay."""
    before = retention.cutoff(keep, datetime.now(UTC))

    app = make_app()

    def run():
        if project_id is not None:
            existing_project(project_id)
        removed = retention.purge(db.session, before, project_id, dry_run=dry_run)
        expired = 0
        if not dry_run:  # erasure tombstones past their period go too (every project's)
            expired = tombstones.forget_expired(db.session, app.config["ERASURE_TOMBSTONE_DAYS"])
            db.session.commit()
        return removed, expired

    removed, expired = storage_guard(app, run)
    verb = "would remove" if dry_run else "removed"
    for r in removed:
        how = f" (partition {r.partition})" if r.partition else ""
        click.echo(f"project {r.project_id}\t{r.month:%Y-%m}\t{verb} {r.events:,} events{how}")
    total = sum(r.events for r in removed)
    click.echo(f"keeping {keep}: events before {before:%Y-%m-%d} (UTC); {verb} {total:,} events")
    if expired:
        click.echo(f"{expired:,} erasure tombstones older than {app.config['ERASURE_TOMBSTONE_DAYS']} days removed")
    click.echo(
        "rollups, people, journey stages, displays and responses are kept; "
        "`gapwise rollups rebuild` would now recount only the events kept."
    )


@click.command("partitions")
@click.option(
    "--ahead",
    default=partitions.AHEAD,
    show_default=True,
    type=click.IntRange(0, 24),
    help="Months after the current one to make now.",
)
def partitions_command(ahead) -> None:
    """Make the monthly partitions of events that are due (PostgreSQL) and list them with their rows."""

    def run():
        made = partitions.ensure(db.session, datetime.now(UTC), ahead)
        return made, partitions.listing(db.session, count_rows=True)

    made, listed = storage_guard(make_app(), run)
    if not listed:
        click.echo("events is not partitioned on this database (SQLite keeps one table)")
        return
    for p in made:
        click.echo(f"made {p.name}, moving {p.rows:,} events out of {partitions.DEFAULT}")
    for p in listed:
        click.echo(f"{p.name}\t{p.rows:,} events")
