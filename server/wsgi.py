"""Running the app under gunicorn, from `gapwise serve` or `gunicorn 'gapwise.wsgi:app'`.

Under plain gunicorn, set PROMETHEUS_MULTIPROC_DIR to an empty folder for /metrics to add up the workers
(see docs/deploy.md); `gapwise serve` does that itself.
"""

import os

from gunicorn.app.base import BaseApplication

from .ops.logs import gunicorn_logconfig


class _Gunicorn(BaseApplication):
    def __init__(self, app, options: dict):
        self.application, self.options = app, options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:
            # Several servers may run on one machine; a shared control socket path would clash.
            self.cfg.set("control_socket_disable", True)

    def load(self):
        return self.application


def serve_with_gunicorn(app, host: str, port: int, workers: int) -> None:
    """Serve `app` with gunicorn managing `workers` processes, each buffering requests with waitress
    (ops/serving.py); the app is built before the fork, engines after it."""
    from .ops.serving import BufferedWorker

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": BufferedWorker,
        "backlog": 2048,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "post_fork": _after_fork,
        "child_exit": _child_exit,
    }
    logconfig = gunicorn_logconfig(app.config["LOG_FORMAT"])
    if logconfig:
        options["logconfig_dict"] = logconfig
    _Gunicorn(app, options).run()


def _after_fork(server, worker):
    _dispose_engine(server, worker)
    # One webhook delivery thread per worker process; their claims never overlap (see webhook_delivery).
    # Partition upkeep takes an advisory lock, so the workers take turns.
    # One ingest writer thread per worker process; they take different records of the log.
    # Gap evaluation claims each project's pass in the database, so the workers take turns.
    from .core.evaluation.schedule import start_scheduler
    from .core.ingest.writer import start_writer
    from .core.storage import partitions
    from .core.webhooks.delivery import start_worker
    from .ops.metrics import partition_upkeep

    start_writer(worker.app.application)
    start_worker(worker.app.application)
    partitions.start_worker(worker.app.application, on_pass=partition_upkeep)
    start_scheduler(worker.app.application)


def _child_exit(server, worker):
    # A dead worker's live gauges must not count in later scrapes.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _dispose_engine(server, worker):
    # Connections opened before the fork must not be shared between worker processes.
    engine = worker.app.application.extensions["gapwise.db"].engine
    engine.dispose(close=False)


def __getattr__(name):
    if name == "app":
        from . import create_app

        return create_app()
    raise AttributeError(name)
