"""`gapwise webhooks deliver`: send queued webhook deliveries from a process of its own."""

import click

from ..config import SettingsError
from ..core.webhooks import delivery as webhook_delivery
from .common import make_app, storage_guard


@click.group("webhooks")
def webhooks_group() -> None:
    """Signed webhooks (subscriptions are managed through /api/v1/webhooks)."""


@webhooks_group.command("deliver")
@click.option("--once", is_flag=True, help="Send what is due now, then exit (for cron).")
def webhooks_deliver(once: bool) -> None:
    """Send due webhook deliveries, retrying failures on their schedule; runs until interrupted."""
    app = make_app()
    try:
        attempts = storage_guard(app, lambda: webhook_delivery.run(app, once=once))
    except KeyboardInterrupt:
        return
    except SettingsError as wrong:  # a malformed GAPWISE_WEBHOOK_ALLOWED_PRIVATE_NETWORKS, say
        raise click.ClickException(str(wrong)) from None
    click.echo(f"{attempts} delivery attempts made")
