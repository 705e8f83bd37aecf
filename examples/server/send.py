"""Send to Gapwise from a Python backend with Segment's own library, pointed at your Gapwise server.

    pip install segment-analytics-python
    GAPWISE_HOST=https://gapwise.example.com GAPWISE_WRITE_KEY=pk_… python examples/server/send.py

What a backend knows best: the account's plan and revenue, and events that happen away from the
browser (a paid invoice, a nightly export). Exits 1 if the server refused anything.
"""

import os
import sys

from segment.analytics import Client


def main() -> int:
    errors = []
    client = Client(
        os.environ["GAPWISE_WRITE_KEY"],  # the write key goes as the user of Authorization: Basic
        host=os.environ["GAPWISE_HOST"],
        on_error=lambda error, _batch: errors.append(error),
    )
    client.identify("user-42", {"email": "ada@example.com", "plan": "team"})
    client.group("user-42", "acme", {"name": "Acme", "plan": "team", "mrr": 990})
    client.track("user-42", "Invoice Paid", {"amount": 990, "currency": "EUR"})
    client.shutdown()  # the library sends from a thread, in batches: send what is queued, then stop it
    for error in errors:
        print(f"gapwise: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
