"""One simulated person of the demo data: who they are, which days they come back, and what each visit sends.

Every draw comes from the person's own seeded generator, in a fixed order, so a person's messages do
not depend on how many other people are simulated. The rates are the planted truths of `demo.plan`.
"""

import math
import zlib
from datetime import timedelta

from . import plan

HOST = "https://app.acme-analytics.example"
TITLES = {"/": "Dashboard", "/reports": "Reports", "/alerts": "Alerts", "/settings": "Settings"}
EVENTS = {
    "export": "Report Exported",
    "share": "Dashboard Shared",
    "alerts": "Alert Created",
    "integrations": "Integration Connected",
}
SETTLED_DAYS = 7  # the `settled` segment: a week or more since first seen


class Person:
    """A person's profile, drawn once; `live()` returns their (time, message) pairs."""

    def __init__(self, rng, n, account, survey_ids, origin, days, key):
        self.rng, self.survey_ids, self.origin, self.days, self.key = rng, survey_ids, origin, days, key
        self.account_id, self.account_name, self.plan, self.mrr, _ = account
        self.user, self.anon = f"user-{n:04d}", f"anon-{n:04d}"
        self.start = rng.uniform(0, days - 0.5)  # first seen, in days after origin
        self.ads = rng.random() < plan.ADS_SHARE
        self.source = "ads" if self.ads else rng.choice(["organic", "referral", "partner"])
        self.role = rng.choice(["pm", "eng", "ops"])
        draw = rng.random()
        self.welcome = (
            "answered"
            if draw < plan.WELCOME_ANSWERED
            else "dismissed"
            if draw < plan.WELCOME_ANSWERED + plan.WELCOME_DISMISSED
            else None
        )
        self.goals = [g for g, share in plan.GOALS.items() if rng.random() < share] or ["reporting"]
        self.aha = self.start + self._aha_after(rng) if rng.random() < self._aha_chance() else None
        self.end = min(self.start + self._life(rng), days - 0.02)
        self.finds_export = rng.random() < plan.EXPORT_FINDERS
        self.sees_share = rng.random() < plan.SHARE_SEEN
        draw = rng.random()
        self.share_plan = (
            "once" if draw < plan.SHARE_ONCE else "repeat" if draw < plan.SHARE_ONCE + plan.SHARE_REPEAT else "never"
        )
        self.alerts_from = self.start + rng.uniform(0, 10) if rng.random() < plan.ALERTS_FINDERS else None
        automation = self.welcome == "answered" and "automation" in self.goals
        found = rng.random() < plan.INTEGRATIONS_FINDERS[automation]
        self.integrations_from = self.start + rng.uniform(0, 1) if found else None
        self.out, self.clock, self.signed_in = [], None, False
        self.shown: dict[str, float] = {}  # survey → when it was last shown
        self.share_uses, self.alerts_used = 0, False

    def _aha_chance(self) -> float:
        return plan.ADS_AHA_FIRST_WEEK + plan.ADS_AHA_LATER if self.ads else plan.OTHERS_AHA

    def _aha_after(self, rng) -> float:
        """Days from first seen to the first export: ads signups mostly after their first week."""
        if not self.ads:
            return rng.uniform(0.02, 2)
        first_week = plan.ADS_AHA_FIRST_WEEK / (plan.ADS_AHA_FIRST_WEEK + plan.ADS_AHA_LATER)
        return rng.uniform(0.1, 6) if rng.random() < first_week else rng.uniform(8, 25)

    def _life(self, rng) -> float:
        """Days between first and last visit: those who never export drift away within two weeks."""
        if self.aha is None:
            return rng.uniform(4, 14)
        return self.aha - self.start + 20 + rng.expovariate(1 / 120)

    def live(self) -> list[tuple]:
        """Every visit of this person, in time order."""
        for t in self._visits():
            self._visit(t)
        return self.out

    def _visits(self) -> list[float]:
        times = {self.start}
        if self.aha is not None and self.aha <= self.end:
            times.add(self.aha)
        for day in range(math.floor(self.start) + 1, math.ceil(self.end)):
            chance = 0.55 if self.aha is not None and day >= self.aha else 0.45
            t = day + self.rng.uniform(0.3, 0.84)
            if self.rng.random() < chance and t <= self.end:
                times.add(t)
        return sorted(times)

    def _visit(self, t: float) -> None:
        self.clock = self.origin + timedelta(days=t)
        rng = self.rng
        if t == self.start:
            self._sign_up()
        else:
            self._page("/")
        self._share(t)
        if t == self.aha or (self.finds_export and rng.random() < 0.85):
            self._page("/reports")
            self._emit("track", event="feature_seen", properties={"feature": "export"})
            if self.aha is not None and (t == self.aha or (t > self.aha and rng.random() < plan.EXPORT_USE_PER_DAY)):
                self._export(t)
        if self.alerts_from is not None and t >= self.alerts_from and rng.random() < 0.7:
            self._page("/alerts")
            self._emit("track", event="feature_seen", properties={"feature": "alerts"})
            if not self.alerts_used or rng.random() < plan.ALERTS_USE_PER_DAY:
                self.alerts_used = True  # finding it is enough to try it: those who find it like it
                self._use("alerts", {"channel": rng.choice(["email", "slack"])})
        if self.integrations_from is not None and t >= self.integrations_from and rng.random() < 0.6:
            self._page("/settings")
            self._emit("track", event="feature_seen", properties={"feature": "integrations"})
            if rng.random() < 0.4:
                self._use("integrations", {"app": rng.choice(["slack", "zapier", "webhook"])})
        self._settled_surveys(t)

    def _sign_up(self) -> None:
        self._page("/")
        self.signed_in = True
        domain = self.account_name.split()[0].lower() + ".example"
        self._emit("identify", traits={"email": f"{self.user}@{domain}", "source": self.source})
        self._emit(
            "group", groupId=self.account_id, traits={"name": self.account_name, "plan": self.plan, "mrr": self.mrr}
        )
        if self.welcome is not None:
            answers = {"role": self.role, "goals": self.goals, "speed": self._scale(plan.SPEED_EXPECTED)}
            self._survey("welcome", answers if self.welcome == "answered" else None)

    def _share(self, t: float) -> None:
        if not self.sees_share:
            return
        self._emit("track", event="feature_seen", properties={"feature": "share"})
        wants = {"once": self.share_uses == 0 and self.rng.random() < 0.35, "repeat": self.rng.random() < 0.4}.get(
            self.share_plan, False
        )
        if wants:
            self.share_uses += 1
            self._use("share", {"with": self.rng.choice(["team", "link"])})
            if "csat_share" not in self.shown:
                self.shown["csat_share"] = t
                self._survey("csat_share", self._maybe({"csat": self._pick(plan.CSAT_SHARE)}))

    def _export(self, t: float) -> None:
        self._use("export", {"format": self.rng.choice(["pdf", "csv", "xlsx"])})
        if t - self.shown.get("nps", -99) >= 30:
            self.shown["nps"] = t
            score = self._pick(plan.NPS)
            why = "detractor" if score <= 6 else "promoter" if score >= 9 else "passive"
            self._survey("nps", self._maybe({"score": score, why: self._comment(why, t)}))
        if t - self.start >= SETTLED_DAYS and "csat_export" not in self.shown:
            self.shown["csat_export"] = t
            self._survey(
                "csat_export",
                self._maybe({"csat": self._pick(plan.CSAT_EXPORT), "speed": self._scale(plan.SPEED_PERCEIVED)}),
            )

    def _comment(self, why: str, t: float) -> str:
        """A follow-up for the NPS group, picked without drawing from the simulation's random stream (so the
        rest of the demo stays as planned)."""
        choices = plan.COMMENTS[why]
        return choices[zlib.crc32(f"{self.user}:{t:.3f}".encode()) % len(choices)]

    def _settled_surveys(self, t: float) -> None:
        """The reliability pair a week in, the time-saved pair on a later visit."""
        if t - self.start < SETTLED_DAYS:
            return
        if "reliability" not in self.shown:
            self.shown["reliability"] = t
            self._survey(
                "reliability",
                self._maybe(
                    {
                        "expected": self._scale(plan.RELIABILITY_EXPECTED),
                        "perceived": self._scale(plan.RELIABILITY_PERCEIVED),
                    }
                ),
            )
        elif "value" not in self.shown and t > self.shown["reliability"]:
            self.shown["value"] = t
            self._survey(
                "value",
                self._maybe(
                    {
                        "expected": self._scale(plan.TIME_SAVED_EXPECTED),
                        "realised": self._scale(plan.TIME_SAVED_REALISED),
                    }
                ),
            )

    # --- messages --------------------------------------------------------------------------------

    def _emit(self, kind: str, **fields) -> None:
        assert self.clock is not None  # _visit sets the clock before a visit sends anything
        self.clock += timedelta(seconds=self.rng.uniform(2, 40))
        message = {"type": kind, "messageId": plan.message_id(self.key, len(self.out)), "anonymousId": self.anon}
        if self.signed_in:
            message["userId"] = self.user
        self.out.append((self.clock, {**message, **fields}))

    def _page(self, path: str) -> None:
        self._emit("page", properties={"path": path, "url": HOST + path, "title": TITLES[path]})

    def _use(self, feature: str, properties: dict) -> None:
        """A click on the tagged element, then the event the app tracks for it (both count as a use)."""
        self._emit("track", event="feature_used", properties={"feature": feature})
        self._emit("track", event=EVENTS[feature], properties=properties)

    def _survey(self, name: str, answers: dict | None) -> None:
        """Shown, then answered (answers) or dismissed (None)."""
        display = plan.message_id(self.key, f"display-{len(self.out)}")
        survey = {"surveyId": self.survey_ids[name], "displayId": display}
        self._emit("survey", action="shown", **survey)
        if answers is None:
            self._emit("survey", action="dismissed", **survey)
        else:
            self._emit("survey", action="answered", answers=answers, completed=True, **survey)

    def _maybe(self, answers: dict) -> dict | None:
        return answers if self.rng.random() < plan.SURVEY_ANSWERED else None

    def _pick(self, weights: dict) -> int:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def _scale(self, mean: float, spread: float = 0.9) -> int:
        return min(7, max(1, round(self.rng.gauss(mean, spread))))
