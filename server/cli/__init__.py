"""The `gapwise` command: `main` is the console script."""

from gapwise.cli.main import main

__all__ = ["main"]
