"""Export encoders: CSV, NDJSON and Parquet, each turning chunks of rows into bytes as they come.

An encoder has `begin()`, `encode(rows)` and `end()`, each returning the bytes to send next; none keeps
more than the chunk it is given. Rows hold what `query` selects: timestamps as UTC ISO
8601 text, JSON documents as text.
"""

import csv
import io

import orjson

from ...errors import Unprocessable
from ...schemas.export import FORMATS
from .query import Column
from .spreadsheet import safe_cell


class CsvEncoder:
    """CSV with a header line, quoted as RFC 4180 says (lines end in CRLF, so a field holding a CR or an LF
    is quoted too), formula-like text neutralised (spreadsheet.py); an empty field is a null."""

    media_type = "text/csv; charset=utf-8"

    def __init__(self, columns: tuple[Column, ...]):
        self.columns = columns
        self.booleans = [i for i, c in enumerate(columns) if c.kind == "bool"]

    def begin(self) -> bytes:
        return self._lines([[c.name for c in self.columns]])

    def encode(self, rows: list) -> bytes:
        if self.booleans:
            rows = [self._text_booleans(row) for row in rows]
        return self._lines([[safe_cell(v) for v in row] for row in rows])

    def end(self) -> bytes:
        return b""

    def _text_booleans(self, row) -> list:
        row = list(row)
        for i in self.booleans:
            if row[i] is not None:
                row[i] = "true" if row[i] else "false"
        return row

    @staticmethod
    def _lines(rows) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue().encode()


class NdjsonEncoder:
    """One JSON object per line, keys in column order; JSON columns are nested objects, nulls are null."""

    media_type = "application/x-ndjson"

    def __init__(self, columns: tuple[Column, ...]):
        self.names = [c.name for c in columns]
        self.documents = [c.name for c in columns if c.kind == "json"]

    def begin(self) -> bytes:
        return b""

    def encode(self, rows: list) -> bytes:
        names, documents, fragment = self.names, self.documents, orjson.Fragment
        out = bytearray()  # each line is appended and dropped at once: a list of lines costs 4x the time and memory
        for row in rows:
            item = dict(zip(names, row, strict=False))
            for name in documents:  # already JSON text: spliced in as it is, never parsed
                if item[name] is not None:
                    item[name] = fragment(item[name])
            out += orjson.dumps(item)
            out += b"\n"
        return bytes(out)

    def end(self) -> bytes:
        return b""


MEDIA_TYPES = {
    "csv": CsvEncoder.media_type,
    "ndjson": NdjsonEncoder.media_type,
    "parquet": "application/vnd.apache.parquet",
}
assert set(MEDIA_TYPES) == set(FORMATS)


def encoder_for(fmt: str, columns: tuple[Column, ...]):
    """An encoder of `fmt` for these columns; Parquet needs the optional pyarrow (`gapwise[parquet]`)."""
    if fmt == "parquet":
        try:
            from .parquet import ParquetEncoder
        except ImportError:
            raise Unprocessable(
                "Parquet exports need pyarrow on the server: pip install 'gapwise[parquet]'.",
                errors={"format": ["parquet is not installed on this server"]},
            ) from None
        return ParquetEncoder(columns)
    return {"csv": CsvEncoder, "ndjson": NdjsonEncoder}[fmt](columns)
