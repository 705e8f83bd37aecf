"""The version of Gapwise, read by packaging, `gapwise --version`, /healthz and the X-Gapwise-Version header."""

__version__ = "0.2.0"
