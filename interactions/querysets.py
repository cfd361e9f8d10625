import datetime

from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When


class InteractionQuerySet(models.QuerySet):
    def customer_facing(self):
        from .models import Interaction

        return self.filter(kind__in=Interaction.CUSTOMER_FACING)

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

    def with_severity_rank(self):
        from .models import Complaint

        return self.annotate(
            severity_rank=Case(
                *[When(severity=s, then=Value(r)) for s, r in Complaint.SEVERITY_RANK.items()],
                output_field=IntegerField(),
            )
        )

    def most_urgent_first(self):
        """Open cases first, then by severity, then whichever target falls due soonest."""
        return (
            self.with_severity_rank()
            .annotate(
                closed_rank=Case(
                    When(status__in=["open", "acknowledged", "in_progress"], then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("closed_rank", "severity_rank", "resolve_by", "id")
        )

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
