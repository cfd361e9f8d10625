"""What the trend-spotting found, computed by beat (insights.computing) into small tables that
the dashboard, /insights/ and the weekly email read; never worked out on a page view.

Weeks count back from the run: week 0 is the seven days before it, week 1 the seven before
that, and so on.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interactions.models import Complaint


class InsightsRun(models.Model):
    """When the tables were last computed, and how long that took."""

    computed_at = models.DateTimeField()
    seconds = models.FloatField()

    class Meta:
        get_latest_by = "computed_at"

    def __str__(self):
        return f"Insights as of {self.computed_at:%Y-%m-%d %H:%M}"


class ThemeCount(models.Model):
    """How many texts from customers mentioned a theme (a word as PostgreSQL stems it, so
    "evening" and "evenings" are one) in a week, per segment."""

    theme = models.CharField(max_length=100)
    week = models.PositiveSmallIntegerField()
    segment = models.CharField(max_length=20)
    mentions = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["theme", "week", "segment"], name="theme_count_once")
        ]

    def __str__(self):
        return f"{self.theme}, week {self.week}, {self.segment}: {self.mentions}"


class RisingTheme(models.Model):
    """A theme mentioned this week more often than its previous weeks make likely."""

    theme = models.CharField(max_length=100, unique=True)
    word = models.CharField(_("word"), max_length=100)  # as customers most often wrote it
    mentions = models.PositiveIntegerField(_("mentions this week"))
    expected = models.FloatField(_("mentions a week before"))
    p_value = models.FloatField()
    customer_ids = ArrayField(models.BigIntegerField(), default=list)

    class Meta:
        ordering = ["p_value", "-mentions", "theme"]

    def __str__(self):
        return self.word


class WantedTheme(models.Model):
    """A theme in the unmet wants of several customers (profiles and survey wishes)."""

    theme = models.CharField(max_length=100, unique=True)
    word = models.CharField(max_length=100)
    customers = models.PositiveIntegerField()
    customer_ids = ArrayField(models.BigIntegerField(), default=list)

    class Meta:
        ordering = ["-customers", "theme"]

    def __str__(self):
        return self.word


class CauseCount(models.Model):
    """Complaints resolved in a week with each cause ("" when none was given), how many of
    them missed a target, and how many of their customers we have since lost."""

    week = models.PositiveSmallIntegerField()
    cause = models.CharField(max_length=20, choices=Complaint.Cause, blank=True)
    complaints = models.PositiveIntegerField()
    breached = models.PositiveIntegerField()
    lost_customers = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["week", "cause"], name="cause_count_once")]

    def __str__(self):
        return f"{self.cause or 'no cause'}, week {self.week}: {self.complaints}"


class SegmentGap(models.Model):
    """Outcomes against expectation in a segment over four weeks: period 0 the last four,
    period 1 the four before."""

    period = models.PositiveSmallIntegerField()
    segment = models.CharField(max_length=20)
    exceeded = models.PositiveIntegerField()
    fell_short = models.PositiveIntegerField()
    known = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "segment"], name="segment_gap_once")
        ]

    def __str__(self):
        return f"{self.segment}, period {self.period}: {self.gap}"

    @property
    def gap(self) -> float | None:
        """Exceeded minus fell short, as a share of the outcomes known, in points."""
        if not self.known:
            return None
        return 100 * (self.exceeded - self.fell_short) / self.known


class WeeklyChanges(models.Model):
    """The "what's changing" email of one week to one manager: claimed by this row (one per
    manager and week) before it is queued, so it goes once however many beats and workers."""

    week_of = models.DateField()  # the Monday of the week it was sent
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    changes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["week_of", "manager"], name="weekly_changes_once")
        ]

    def __str__(self):
        return f"What's changing, week of {self.week_of}"
