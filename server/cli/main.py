"""The `gapwise` command line: one group, with each command group defined in a module of its own."""

import click

from ..version import __version__
from . import database, export, features, journey, projects, retention, serve, users, webhooks, worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="gapwise")
def main() -> None:
    """Gapwise: feature usage, in-app surveys and the gaps between them."""


for command in (
    database.db_group,
    projects.project_group,
    features.feature_group,
    serve.serve,
    serve.demo,
    worker.worker,
    journey.rollups_group,
    journey.gaps_command,
    journey.accounts_command,
    export.export_group,
    webhooks.webhooks_group,
    users.user_group,
    retention.retention_command,
    retention.partitions_command,
):
    main.add_command(command)
