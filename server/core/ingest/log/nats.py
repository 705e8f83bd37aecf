"""The `nats` ingest log: records in a NATS JetStream stream replicated on a cluster.

Capture publishes each record to `<stream>.records` and answers only once JetStream acknowledges it, that
is once a quorum of INGEST_NATS_REPLICAS servers holds it on file: capture needs neither the database nor
any one NATS server. The stream has work-queue retention (a record is gone once acknowledged). Each record
carries a fresh Nats-Msg-Id, so a publish retried after a lost acknowledgement (a server failing over) is
stored once; a publish that gets no acknowledgement in INGEST_NATS_TIMEOUT_SECONDS is a 503 the client
retries.

Writers of every process share one durable pull consumer (`<stream>_writer`), so JetStream hands each
record to one writer at a time. A writer acknowledges a chunk after its database commit and naks it after
a rollback (taken again at once); a chunk whose writer dies comes back after the consumer's ack wait, and
messageIds make that redelivery store nothing twice. An existing stream or consumer is used as it is, so
an operator may tune either with the `nats` CLI.

nats-py is asyncio: each process runs one event loop in a daemon thread, and the callers (gunicorn's sync
workers, writer threads) wait on it with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Flask
from sqlalchemy.orm import Session

from ....config import SettingsError
from ....errors import StorageUnavailable
from .base import Record

try:
    import nats
    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.js import JetStreamContext, api
    from nats.js.errors import APIError, NoStreamResponseError, NotFoundError, ServiceUnavailableError

    INSTALLED = True
except ImportError:  # the optional extra gapwise[nats]
    INSTALLED = False

log = logging.getLogger("gapwise.ingest.nats")
T = TypeVar("T")

PROJECT, MESSAGES = "Gapwise-Project", "Gapwise-Messages"  # record headers
ACK_WAIT_SECONDS = 60.0  # a chunk whose writer died is redelivered after this
MAX_ACK_PENDING = 50_000  # records all writers may hold at once
DUPLICATE_WINDOW_SECONDS = 120.0
PUBLISH_ATTEMPT_SECONDS = 1.0  # then the same record again, until INGEST_NATS_TIMEOUT_SECONDS
FETCH_SECONDS = 0.05  # a writer's wait for records when there are none
MAX_PAGE = 1000
REPLICA_ERRORS = {10023, 10074}  # insufficient resources; replicas > 1 on a server without a cluster
RETRY_AFTER = {"Retry-After": "5"}


@dataclass
class _Chunk:
    log: NatsLog
    records: list[Record]

    def done(self) -> None:
        self.log.settle(self.records, ack=True)

    def retry(self) -> None:
        self.log.settle(self.records, ack=False)

    def remove(self, session: Session, record: Record) -> bool:
        return True  # held by this writer until done() acknowledges it


class NatsLog:
    name = "nats"

    def __init__(self, app: Flask):
        if not INSTALLED:
            raise SettingsError("GAPWISE_INGEST_LOG=nats://… needs the nats extra: pip install 'gapwise[nats]'")
        self.servers = [url.strip() for url in app.config["INGEST_LOG"].split(",") if url.strip()]
        self.stream = app.config["INGEST_NATS_STREAM"]
        self.subject, self.durable = f"{self.stream}.records", f"{self.stream}_writer"
        self.replicas = int(app.config["INGEST_NATS_REPLICAS"])
        self.timeout = float(app.config["INGEST_NATS_TIMEOUT_SECONDS"])
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._sub: JetStreamContext.PullSubscription | None = None
        self._opening, self._fetching = asyncio.Lock(), asyncio.Lock()
        self._per_record = 50  # messages a record holds, as seen so far: sizes the next fetch
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="gapwise-nats", daemon=True)
        self._thread.start()

    def append(self, project_id: int, count: int, payload: bytes) -> None:
        headers = {"Nats-Msg-Id": uuid.uuid4().hex, PROJECT: str(project_id), MESSAGES: str(count)}
        self._run(self._publish(payload, headers))

    def take(self, session: Session, max_messages: int, max_records: int) -> _Chunk | None:
        messages = self._run(self._fetch(max_messages, max_records))
        if not messages:
            return None
        return _Chunk(self, [Record(_header(m, PROJECT, 0), m.data, m) for m in messages])

    def idle(self) -> bool:
        return False  # take() waits briefly on the stream instead

    def pending(self, session: Session) -> int:
        info = self._run(self._consumer_info())
        return (info.num_pending or 0) + (info.num_ack_pending or 0)

    def settle(self, records: list[Record], ack: bool) -> None:
        """Acknowledge (or nak) a chunk's records; if NATS cannot be told, they come back after the ack wait."""
        try:
            self._run(self._settle([cast(Msg, r.ref) for r in records], ack))
        except StorageUnavailable as error:
            log.warning("%d records will come back after the ack wait: %s", len(records), error)

    def close(self) -> None:
        """Close the connection (sending any acks still buffered) and stop the loop's thread."""
        with contextlib.suppress(StorageUnavailable):
            self._run(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.timeout)
        if not self._thread.is_alive():
            self._loop.close()

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the loop's thread; NATS out of reach, or silent for the timeout, is a 503."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(self.timeout)
        except (TimeoutError, OSError, nats.errors.Error) as error:
            future.cancel()
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            raise StorageUnavailable(
                f"The ingest log (NATS) is unavailable ({reason}); retry later.", headers=RETRY_AFTER
            ) from error

    async def _open(self) -> JetStreamContext.PullSubscription:
        """Connect (once), make sure the stream and the writers' consumer exist, and subscribe."""
        async with self._opening:
            if self._sub is None:
                nc = Client()
                try:
                    await nc.connect(
                        self.servers, name="gapwise", max_reconnect_attempts=-1, reconnect_time_wait=1, error_cb=_report
                    )
                    js = nc.jetstream(timeout=self.timeout)
                    await self._ensure_stream(js)
                    await self._ensure_consumer(js)
                    self._sub = await js.pull_subscribe_bind(self.durable, stream=self.stream)
                except (Exception, asyncio.CancelledError):
                    await nc.close()
                    raise
                self._nc, self._js = nc, js
            return self._sub

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        try:
            await js.stream_info(self.stream)
            return
        except NotFoundError:
            pass
        try:
            await js.add_stream(
                api.StreamConfig(
                    name=self.stream,
                    subjects=[self.subject],
                    retention=api.RetentionPolicy.WORK_QUEUE,
                    storage=api.StorageType.FILE,
                    num_replicas=self.replicas,
                    duplicate_window=DUPLICATE_WINDOW_SECONDS,
                )
            )
        except APIError as error:
            if error.err_code in REPLICA_ERRORS:
                raise SettingsError(
                    f"NATS cannot keep {self.replicas} replicas of the stream {self.stream} ({error.description}): "
                    "set GAPWISE_INGEST_NATS_REPLICAS to at most the number of JetStream servers (1 for one server)."
                ) from None
            await js.stream_info(self.stream)  # created by another process meanwhile, or the error stands

    async def _ensure_consumer(self, js: JetStreamContext) -> None:
        try:
            await js.consumer_info(self.stream, self.durable)
        except NotFoundError:
            config = api.ConsumerConfig(
                durable_name=self.durable,
                ack_policy=api.AckPolicy.EXPLICIT,
                ack_wait=ACK_WAIT_SECONDS,
                max_ack_pending=MAX_ACK_PENDING,
            )
            await js.add_consumer(self.stream, config)  # the same config again, should another process race

    async def _publish(self, payload: bytes, headers: dict[str, str]) -> None:
        """Publish until JetStream acknowledges; the caller's timeout ends the attempts."""
        await self._open()
        assert self._js is not None
        while True:
            try:
                await self._js.publish(self.subject, payload, timeout=PUBLISH_ATTEMPT_SECONDS, headers=headers)
                return
            except (TimeoutError, NoStreamResponseError, ServiceUnavailableError):
                await asyncio.sleep(0.1)  # electing a stream leader: the same Nats-Msg-Id stores it once

    async def _fetch(self, max_messages: int, max_records: int) -> list[Msg]:
        """Pull records a page at a time, each page sized by the records seen so far, up to the limits."""
        sub = await self._open()
        taken: list[Msg] = []
        total = 0
        async with self._fetching:  # the process's writers share one subscription: one pull at a time
            while total < max_messages and len(taken) < max_records:
                page = min(max_records - len(taken), max(1, -(-(max_messages - total) // self._per_record)), MAX_PAGE)
                try:
                    got = await sub.fetch(page, timeout=FETCH_SECONDS)
                except TimeoutError:
                    break
                taken += got
                total += sum(_header(m, MESSAGES, 1) for m in got)
                self._per_record = max(1, total // len(taken))
                if len(got) < page:
                    break
        return taken

    async def _consumer_info(self) -> api.ConsumerInfo:
        return await (await self._open()).consumer_info()

    async def _shutdown(self) -> None:
        if self._nc is not None:
            await self._nc.close()  # not drain(): it waits on a pull subscription's queue for ever
        running = asyncio.all_tasks() - {asyncio.current_task()}  # say, a connect still trying
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def _settle(self, messages: list[Msg], ack: bool) -> None:
        for message in messages:
            if not message.is_acked:
                await (message.ack() if ack else message.nak())
        assert self._nc is not None
        await self._nc.flush()


def _header(message: Msg, name: str, default: int) -> int:
    return int((message.headers or {}).get(name, default))


async def _report(error: Exception) -> None:
    log.warning("NATS: %s: %s", type(error).__name__, error)
