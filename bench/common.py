"""Pieces the benchmarks share: a scratch PostgreSQL database, the real server, percentiles."""

import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def pg_connect(url: str, dbname: str | None = None, **kwargs) -> psycopg.Connection:
    u = make_url(url)
    return psycopg.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password,
        dbname=dbname or u.database,
        connect_timeout=5,
        **kwargs,
    )


def recreate_database(url: str) -> None:
    name = make_url(url).database
    with pg_connect(url, "postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def ensure_database(url: str, fresh: bool) -> None:
    """Create the database when missing (or recreate it with --fresh)."""
    name = make_url(url).database
    if not name or "bench" not in name:
        raise SystemExit(f"refusing database {name!r}: its name must contain 'bench'")
    if fresh:
        recreate_database(url)
        return
    with pg_connect(url, "postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    with pg_connect(url, "postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, workers: int, log, extra_env: dict | None = None) -> subprocess.Popen:
    # `gapwise serve` refuses the development secret key: each run gets its own.
    env = {
        "GAPWISE_SECRET_KEY": secrets.token_urlsafe(32),
        **os.environ,
        "GAPWISE_DATABASE_URL": url,
        **(extra_env or {}),
    }
    command = [
        str(ROOT / ".venv" / "bin" / "gapwise"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)


def wait_healthy(server: subprocess.Popen, port: int, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /healthz within {limit:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the group of the process we started, workers included
            server.wait(5)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]
