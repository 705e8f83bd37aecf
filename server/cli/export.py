"""`gapwise export`: events and responses to a file, from a terminal."""

import os
import sys
import tempfile

import click

from ..core.exports import stream as export
from ..db import db
from ..schemas.export import FORMATS, EventsExportQuerySchema, ResponsesExportQuerySchema
from .common import existing_project, load_or_usage_error, make_app, project_option, storage_guard


@click.group("export")
def export_group() -> None:
    """Export events or survey responses as CSV, NDJSON or Parquet (the same files as /api/v1/export)."""


def _common_options(func):
    options = [
        project_option,
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True),
        click.option(
            "--out",
            required=True,
            type=click.Path(dir_okay=False, allow_dash=True),
            help="The file to write ('-': standard output). Written to a temporary file, then renamed.",
        ),
        click.option("--since", help="ISO 8601: rows at or after this time."),
        click.option("--until", help="ISO 8601: rows before this time."),
        click.option("--person", help="A user id or an anonymous id."),
        click.option("--after", type=int, help="Resume: only rows whose id is greater than this."),
        click.option("--limit", type=int, help="At most this many rows."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@export_group.command("events")
@_common_options
@click.option("--event", help="Only events with this name (the path for page views).")
def export_events(project_id, fmt, out, event, **args) -> None:
    """Export a project's events, in id order."""
    _export("events", EventsExportQuerySchema(), project_id, fmt, out, {**args, "event": event})


@export_group.command("responses")
@_common_options
@click.option("--survey", type=int, help="Only responses to this survey (its id).")
def export_responses(project_id, fmt, out, survey, **args) -> None:
    """Export a project's survey responses, in id order."""
    _export("responses", ResponsesExportQuerySchema(), project_id, fmt, out, {**args, "survey": survey})


def _export(dataset: str, schema, project_id: int, fmt: str, out: str, args: dict) -> None:
    """Validate like the API does, count the rows, then stream them to `out` with a progress bar on stderr."""
    loaded = load_or_usage_error(schema, {"format": fmt, **{k: v for k, v in args.items() if v is not None}})
    loaded.pop("format")
    filters = export.Filters(project_id=project_id, **loaded)

    def run() -> int:
        existing_project(project_id)
        written = 0
        with click.progressbar(
            length=export.count_rows(db.session, dataset, filters), label=f"{dataset} ({fmt})", file=sys.stderr
        ) as bar:

            def progress(rows: int) -> None:
                nonlocal written
                written += rows
                bar.update(rows)

            _write(out, export.stream(db.engine, dataset, fmt, filters, on_rows=progress))
        return written

    written = storage_guard(make_app(), run)
    click.echo(f"{written} {dataset} written to {'standard output' if out == '-' else out}", err=True)


def _write(out: str, chunks) -> None:
    """Write the chunks to `out` atomically: into a temporary file beside it, renamed over it at the end."""
    if out == "-":
        stdout = click.open_file("-", "wb")  # binary stdout, kept open (get_binary_stream is deprecated in Click 8.5)
        for chunk in chunks:
            stdout.write(chunk)
        stdout.flush()
        return
    target = os.path.abspath(out)
    handle, temporary = tempfile.mkstemp(
        dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.", suffix=".part"
    )
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # as an ordinary new file would be, not mkstemp's 0600
        with os.fdopen(handle, "wb") as file:
            for chunk in chunks:
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
