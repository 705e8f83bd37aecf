"""Cells a spreadsheet opens safely (OWASP's CSV injection guidance).

Text that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula by Excel,
LibreOffice or Google Sheets, and everything in an export can come from whoever holds the public write
key. Such a cell gets a leading `'`, which spreadsheets show as text and hide. Numbers, booleans and
nulls are written as they are; NDJSON and Parquet exports stay raw, for programs.
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value a CSV cell should hold: formula-like text with a leading quote, anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
