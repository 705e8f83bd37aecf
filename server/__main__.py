"""`python -m gapwise` is the `gapwise` command."""

from .cli import main

if __name__ == "__main__":
    main()
