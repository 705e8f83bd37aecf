"""Loading messages in-process (the demo, benchmarks, backfills): checked as capture checks them, stored
as the writer stores them, in the caller's transaction and without the log."""

from datetime import datetime

from sqlalchemy.orm import Session

from .capture import LogRecord, encode, unique, validate
from .log import Record
from .writer import store_records


def load(session: Session, project_id: int, raw_messages: list, received_at: datetime) -> dict:
    """Validate and store `raw_messages` now; the caller commits. Returns capture's answer plus `stored`."""
    good, rejected = validate(raw_messages, None, received_at)
    messages, repeated = unique(good)
    stored = 0
    if messages:
        payload = encode(LogRecord(project=project_id, received=received_at, messages=messages))
        stored = store_records(session, [Record(project_id, payload)])
    return {"accepted": len(messages), "stored": stored, "duplicates": repeated, "rejected": rejected}
