import datetime

from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL


class InteractionQuerySet(models.QuerySet):
    def customer_facing(self):
        return self.filter(kind__in=self.model.CUSTOMER_FACING)

    def between(self, start: datetime.date | None, end: datetime.date | None):
        """Interactions on days from ``start`` to ``end`` inclusive (either may be open)."""
        queryset = self
        if start:
            queryset = queryset.filter(occurred_at__date__gte=start)
        if end:
            queryset = queryset.filter(occurred_at__date__lte=end)
        return queryset


class ComplaintQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=["open", "acknowledged", "in_progress"])

    def assigned_to(self, user):
        return self.filter(assignee=user)

    def most_urgent_first(self):
        """Open cases first, then by severity, then whichever target falls due soonest.

        The ranks are written as SQL: built from When() objects, they took longer to compile
        than the query took to run, and the queue and every profile run it."""
        Complaint = self.model  # noqa: N806 (the model class)
        table = Complaint._meta.db_table
        open_statuses = [status.value for status in Complaint.OPEN_STATUSES]
        closed_rank = RawSQL(
            f"CASE WHEN {table}.status IN ({', '.join(['%s'] * len(open_statuses))}) "
            "THEN 0 ELSE 1 END",
            open_statuses,
        )
        ranks = Complaint.SEVERITY_RANK.items()
        severity_rank = RawSQL(
            f"CASE {table}.severity {' '.join('WHEN %s THEN %s' for _ in ranks)} END",
            tuple(value for severity, rank in ranks for value in (severity.value, rank)),
        )
        return self.order_by(closed_rank.asc(), severity_rank.asc(), "resolve_by", "id")

    def breached(self, now: datetime.datetime):
        return self.open().filter(
            Q(first_response_at__isnull=True, respond_by__lt=now) | Q(resolve_by__lt=now)
        )


class FollowUpQuerySet(models.QuerySet):
    def open(self):
        return self.filter(done_at__isnull=True)

    def assigned_to(self, user):
        return self.filter(assignee=user)

    def needing_attention(self, today: datetime.date):
        """Open follow-ups due by today and not snoozed past today."""
        return self.open().filter(
            Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=today), due_on__lte=today
        )

    def overdue(self, today: datetime.date):
        return self.open().filter(due_on__lt=today)

    def promises(self):
        return self.filter(promised=True)
