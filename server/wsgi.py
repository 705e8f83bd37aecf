"""Running the app under gunicorn, from `gapwise serve` or `gunicorn 'server.wsgi:app'`."""

from gunicorn.app.base import BaseApplication


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
    """Serve `app` with gunicorn's sync workers; the app is built before the fork, engines after it."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "post_fork": _after_fork,
    }
    _Gunicorn(app, options).run()


def _after_fork(server, worker):
    _dispose_engine(server, worker)
    # One webhook delivery thread per worker process; their claims never overlap (see webhook_delivery).
    # Partition upkeep takes an advisory lock, so the workers take turns.
    from gapwise.core.storage import partitions
    from gapwise.core.webhooks.delivery import start_worker

    start_worker(worker.app.application)
    partitions.start_worker(worker.app.application)


def _dispose_engine(server, worker):
    # Connections opened before the fork must not be shared between worker processes.
    engine = worker.app.application.extensions["gapwise.db"].engine
    engine.dispose(close=False)


def __getattr__(name):
    if name == "app":
        from gapwise import create_app

        return create_app()
    raise AttributeError(name)
