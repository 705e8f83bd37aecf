"""`gapwise worker`: store what the ingest log holds, from a process of its own."""

import signal
import threading

import click

from ..core.evaluation.schedule import start_scheduler
from ..core.ingest.writer import Unavailable, Writer
from .common import check_ingest_log, make_app


@click.command("worker")
@click.option("--drain", is_flag=True, help="Store what the log holds now, then exit (for cron or a backfill).")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 16), help="Writers in this process.")
def worker(drain: bool, threads: int) -> None:
    """Store the ingest log's records as events, people, rollups and survey answers, and evaluate the gaps on
    their schedule; runs until stopped.

    `gapwise serve` runs a writer and a gap scheduler in each worker process already
    (GAPWISE_INGEST_WRITER=false and GAPWISE_GAP_SCHEDULER=false turn them off); run this for more
    writers, or on other machines. Several may run at once; they take turns evaluating a project.
    """
    app = make_app()
    check_ingest_log(app)
    if drain:
        try:
            written = Writer(app).drain(timeout=3600)
        except Unavailable as error:
            raise click.ClickException(f"cannot store the ingest log now: {error}") from None
        click.echo(f"{written} ingest log records stored")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    writers = [Writer(app) for _ in range(threads)]
    running = [
        threading.Thread(target=w.run, args=(stop,), name=f"gapwise-ingest-writer-{n}") for n, w in enumerate(writers)
    ]
    click.echo(f"Gapwise ingest writer: {threads} thread(s) on the {app.config['INGEST_LOG'].split(':')[0]} log")
    for thread in running:
        thread.start()
    scheduler = start_scheduler(app, stop)
    if scheduler is not None:
        click.echo(f"Gapwise gap scheduler: every {app.config['GAP_EVALUATION_MINUTES']} minutes")
    while not stop.wait(1.0):
        pass
    for thread in [*running, *([scheduler] if scheduler else [])]:
        thread.join()
    click.echo(f"stopped: {sum(w.stored for w in writers)} messages stored")
