"""`python -m server` is the `gapwise` command."""
from .cli import main

main()
