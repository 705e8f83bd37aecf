"""The Parquet encoder: imported only when a Parquet export is asked for, since pyarrow is an optional extra."""

import pyarrow as pa
import pyarrow.parquet as pq

from .query import Column

ARROW_TYPES = {
    "int": pa.int64(),
    "text": pa.string(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "time": pa.timestamp("us", tz="UTC"),
    "json": pa.string(),
}


class _Sink:
    """A write-only file that keeps what was written until `take()` hands it over."""

    closed = False

    def __init__(self):
        self.parts, self.position = [], 0

    def write(self, data) -> int:
        data = bytes(data)
        self.parts.append(data)
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


class ParquetEncoder:
    """Parquet in row groups of `row_group_rows`, written to a sink emptied after each group; timestamps in UTC µs.

    Chunks of rows become Arrow record batches at once (a few hundred bytes a row, against about a
    kilobyte as Python objects); a row group is written when enough of them are pending.
    """

    media_type = "application/vnd.apache.parquet"

    def __init__(self, columns: tuple[Column, ...], row_group_rows: int = 100_000):
        self.columns, self.row_group_rows = columns, row_group_rows
        self.schema = pa.schema([pa.field(c.name, ARROW_TYPES[c.kind]) for c in columns])
        self.sink = _Sink()
        self.writer: pq.ParquetWriter | None = None  # made by begin()
        self.pending: list[pa.RecordBatch] = []

    def begin(self) -> bytes:
        self.writer = pq.ParquetWriter(self.sink, self.schema, compression="zstd")
        return self.sink.take()

    def encode(self, rows: list) -> bytes:
        arrays = [self._array(c, v) for c, v in zip(self.columns, zip(*rows, strict=False), strict=False)]
        self.pending.append(pa.RecordBatch.from_arrays(arrays, schema=self.schema))
        if sum(b.num_rows for b in self.pending) >= self.row_group_rows:
            self._write_row_group()
        return self.sink.take()

    def end(self) -> bytes:
        self._write_row_group()
        assert self.writer is not None  # begin() came first
        self.writer.close()
        return self.sink.take()

    def _write_row_group(self) -> None:
        if self.pending:
            table = pa.Table.from_batches(self.pending, schema=self.schema)
            assert self.writer is not None  # begin() came first
            self.writer.write_table(table, row_group_size=table.num_rows)
            self.pending = []

    @staticmethod
    def _array(column: Column, values) -> pa.Array:
        if column.kind == "time":  # ISO 8601 text, parsed by Arrow in C++
            return pa.array(values, pa.string()).cast(ARROW_TYPES["time"])
        return pa.array(values, ARROW_TYPES[column.kind])
