"""Streaming exports of a project's events and survey responses as CSV, NDJSON or Parquet.

Rows come in id order and every row carries its id, so an export that was cut (or asked with a
`limit`) resumes with `after=<the last id kept>` and gives each remaining row exactly once. Memory
stays flat whatever the size: rows are read a chunk at a time (`query`) and each chunk
is encoded and handed on before the next is read (`formats`).
"""

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from .formats import MEDIA_TYPES, encoder_for
from .query import (
    EVENT_COLUMNS,
    RESPONSE_COLUMNS,
    Column,
    Filters,
    chunks,
    count,
    events_select,
    responses_select,
)

__all__ = ["DATASETS", "Filters", "count_rows", "filename", "media_type", "stream"]

# Rows read from the database at a time (Parquet gathers 100k of them per row group, in Arrow's memory).
CHUNK_ROWS = 5_000


@dataclass(frozen=True)
class Dataset:
    """An exportable table: its columns, in their documented order, and the SELECT that gives them."""

    columns: tuple[Column, ...]
    select: Callable


DATASETS = {"events": Dataset(EVENT_COLUMNS, events_select), "responses": Dataset(RESPONSE_COLUMNS, responses_select)}


def media_type(fmt: str) -> str:
    """The Content-Type of an export in this format."""
    return MEDIA_TYPES[fmt]


def filename(dataset: str, fmt: str) -> str:
    """The file name offered for download."""
    return f"gapwise-{dataset}.{fmt}"


def count_rows(session: Session, dataset: str, filters: Filters) -> int:
    """How many rows an export with these filters holds now."""
    return count(session, DATASETS[dataset].select(filters))


def stream(
    engine: Engine, dataset: str, fmt: str, filters: Filters, on_rows: Callable[[int], None] | None = None
) -> Generator[bytes, None, None]:
    """The export's bytes, chunk by chunk, read through a session of its own; `on_rows(n)` is told of each chunk.

    Nothing is yielded before the first chunk of rows was read, so a database that fails at once
    fails before the caller sent anything (and an HTTP client gets a proper error, not a cut file).
    """
    table = DATASETS[dataset]
    encoder = encoder_for(fmt, table.columns)
    rows = chunks(engine, table.select, filters, CHUNK_ROWS)
    try:
        first = next(rows, None)
        yield encoder.begin()
        if first is not None:
            yield _encoded(encoder, first, on_rows)
            for chunk in rows:
                yield _encoded(encoder, chunk, on_rows)
        yield encoder.end()
    finally:
        rows.close()  # a client that went away ends the read transaction now, not when collected


def _encoded(encoder, rows: Sequence, on_rows) -> bytes:
    data = encoder.encode(rows)
    if on_rows is not None:
        on_rows(len(rows))
    return data
