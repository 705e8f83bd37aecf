"""The `nats` ingest log: a NATS JetStream stream (being written)."""

from flask import Flask

from ....config import SettingsError


class NatsLog:
    name = "nats"

    def __init__(self, app: Flask):
        raise SettingsError("GAPWISE_INGEST_LOG=nats://… is not available in this build yet")
