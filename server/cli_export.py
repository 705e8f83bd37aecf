"""`gapwise export`: events and responses to a file, from a terminal."""
