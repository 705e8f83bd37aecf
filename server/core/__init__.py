"""The logic of Gapwise, one package per capability; views and commands call these services."""
