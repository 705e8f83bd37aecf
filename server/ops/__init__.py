"""What operators run Gapwise with: health, metrics, logs, production settings and proxies."""
