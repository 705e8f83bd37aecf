"""A product's history told through /v1/batch: people signing up and using features on given days."""

import uuid
from datetime import datetime, timedelta

from tests.helpers import Batches


class Story:
    """Queue what people do, day by day after `start`, then `send()` it all through the real ingest path."""

    def __init__(self, batches: Batches, start: datetime):
        self.batches, self.start, self.messages = batches, start, []

    def at(self, day: float, hours: float = 0) -> datetime:
        return self.start + timedelta(days=day, hours=hours)

    def _add(self, kind: str, user: str, when: datetime, **fields) -> None:
        self.messages.append(
            {"type": kind, "messageId": str(uuid.uuid4()), "userId": user, "timestamp": when.isoformat(), **fields}
        )

    def person(
        self,
        user: str,
        day: float = 0,
        traits: dict | None = None,
        account: str | None = None,
        mrr: float | None = None,
    ) -> str:
        self._add("identify", user, self.at(day), traits=traits or {})
        if account:
            self._add(
                "group",
                user,
                self.at(day, 0.01),
                groupId=account,
                traits={"name": account, **({"mrr": mrr} if mrr is not None else {})},
            )
        return user

    def see(self, user: str, feature: str, day: float, hours: float = 1) -> None:
        self._add("track", user, self.at(day, hours), event="feature_seen", properties={"feature": feature})

    def use(self, user: str, feature: str, day: float, hours: float = 1) -> None:
        self.see(user, feature, day, hours)
        self._add("track", user, self.at(day, hours + 0.01), event="feature_used", properties={"feature": feature})

    def track(self, user: str, event: str, day: float, hours: float = 1) -> None:
        self._add("track", user, self.at(day, hours), event=event, properties={})

    def page(self, user: str, day: float, hours: float = 1) -> None:
        self._add("page", user, self.at(day, hours), properties={"path": "/"})

    def answer(
        self, user: str, survey_id: int, answers: dict, day: float, hours: float = 2, completed: bool = True
    ) -> str:
        display = str(uuid.uuid4())
        common = {"surveyId": str(survey_id), "displayId": display}
        self._add("survey", user, self.at(day, hours), action="shown", **common)
        self._add(
            "survey",
            user,
            self.at(day, hours + 0.01),
            action="answered",
            answers=answers,
            completed=completed,
            **common,
        )
        return display

    def dismiss(self, user: str, survey_id: int, day: float, hours: float = 2) -> None:
        common = {"surveyId": str(survey_id), "displayId": str(uuid.uuid4())}
        self._add("survey", user, self.at(day, hours), action="shown", **common)
        self._add("survey", user, self.at(day, hours + 0.01), action="dismissed", **common)

    def send(self, size: int = 500) -> int:
        """Post everything queued, in time order; every message must be accepted."""
        messages, self.messages = sorted(self.messages, key=lambda m: m["timestamp"]), []
        for offset in range(0, len(messages), size):
            response = self.batches.post(messages[offset : offset + size], sent_at=None)
            assert response.status_code == 200, response.get_json()
            assert response.get_json()["rejected"] == [], response.get_json()["rejected"][:3]
        return len(messages)
