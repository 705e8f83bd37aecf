"""`python -m gapwise` is the `gapwise` command."""

from gapwise.cli import main

main()
