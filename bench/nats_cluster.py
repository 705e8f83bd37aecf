"""A NATS JetStream cluster for tests and benchmarks: nats-server processes on free loopback ports, each
with its own store, that a test can kill one by one; and a short JetStream call to look at the stream."""

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import nats
import requests

from bench.common import free_port

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


@dataclass
class Node:
    name: str
    port: int
    cluster_port: int
    monitor_port: int
    store: Path
    process: subprocess.Popen | None = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Cluster:
    """`size` JetStream servers routed to each other; `url` lists them as GAPWISE_INGEST_LOG takes them."""

    def __init__(self, root: Path, size: int = 3):
        self.root, self.name = root, f"gw-{uuid.uuid4().hex[:8]}"
        root.mkdir(parents=True, exist_ok=True)
        self.nodes = [
            Node(f"{self.name}-n{i}", free_port(), free_port(), free_port(), root / f"n{i}") for i in range(size)
        ]
        self.url = ",".join(f"nats://127.0.0.1:{n.port}" for n in self.nodes)

    def start(self, limit: float = 20) -> "Cluster":
        for node in self.nodes:
            command = [
                *(NATS_SERVER, "-a", "127.0.0.1", "-p", str(node.port), "-m", str(node.monitor_port)),
                *("-js", "-sd", str(node.store), "-n", node.name),
            ]
            if len(self.nodes) > 1:  # one server alone runs JetStream without a cluster
                routes = ",".join(f"nats://127.0.0.1:{n.cluster_port}" for n in self.nodes if n is not node)
                command += ["--cluster_name", self.name, "--cluster", f"nats://127.0.0.1:{node.cluster_port}"]
                command += ["--routes", routes]
            with open(self.root / f"{node.name}.log", "wb") as log:
                node.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(limit)
        return self

    def wait_ready(self, limit: float) -> None:
        """Until every running server sees a JetStream meta leader and the whole cluster."""
        deadline = time.monotonic() + limit
        while not all(self._ready(n) for n in self.nodes if n.alive):
            if time.monotonic() > deadline or not all(n.alive for n in self.nodes):
                said = "\n".join((self.root / f"{n.name}.log").read_text()[-2000:] for n in self.nodes)
                raise RuntimeError(f"the NATS cluster did not form:\n{said}")
            time.sleep(0.1)

    def _ready(self, node: Node) -> bool:
        try:
            jsz = requests.get(f"http://127.0.0.1:{node.monitor_port}/jsz", timeout=1).json()
        except (requests.RequestException, ValueError):
            return False
        if len(self.nodes) == 1:
            return "config" in jsz  # JetStream is enabled
        meta = jsz.get("meta_cluster", {})
        return bool(meta.get("leader")) and meta.get("cluster_size") == len(self.nodes)

    def kill(self, name: str) -> None:
        """SIGKILL one server, as a crash of its host would: no goodbye to its clients or peers."""
        [node] = [n for n in self.nodes if n.name == name]
        os.killpg(node.process.pid, signal.SIGKILL)
        node.process.wait(10)

    def stop(self) -> None:
        for node in self.nodes:
            if node.alive:
                os.killpg(node.process.pid, signal.SIGTERM)
        for node in self.nodes:
            if node.process is None:
                continue
            try:
                node.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(node.process.pid, signal.SIGKILL)
                node.process.wait(10)

    def wait_for_leaders(self, stream: str, consumer: str, limit: float = 30) -> None:
        """Until the stream and its consumer have leaders (again, after a kill: elected among the servers left)."""

        async def leaders(js):
            stream_info = await js.stream_info(stream)
            consumer_info = await js.consumer_info(stream, consumer)
            return stream_info.cluster.leader and consumer_info.cluster.leader

        deadline = time.monotonic() + limit
        while True:
            with contextlib.suppress(TimeoutError, nats.errors.Error):
                if self.jetstream(leaders):
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"no leaders for {stream} and {consumer} after {limit} s")
            time.sleep(0.1)

    def jetstream(self, action):
        """`await action(js)` on a connection of its own to the running servers; its result."""

        async def run():
            nc = await nats.connect([f"nats://127.0.0.1:{n.port}" for n in self.nodes if n.alive])
            try:
                return await action(nc.jetstream())
            finally:
                await nc.close()

        return asyncio.run(run())


@contextlib.contextmanager
def running_cluster(root: Path, size: int = 3):
    """A started cluster, stopped (its processes and their groups) on the way out."""
    cluster = Cluster(root, size)
    try:
        yield cluster.start()
    finally:
        cluster.stop()
