from django.db import models


class AtRiskCandidate(models.Model):
    """A customer the dashboard's at-risk list is chosen from, on PostgreSQL.

    crm.at_risk.shortlist_choose keeps the likeliest here every few minutes; triggers
    (migration 0002) add anyone with a complaint opened, a "fell short" logged or a loyalty
    score fallen low since. The dashboard scores only these, afresh, instead of every customer
    with a recent complaint or "fell short": 8,300 of them at 300,000 customers.
    """

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )

    def __str__(self):
        return f"At-risk candidate {self.customer_id}"


class AtRiskShortlist(models.Model):
    """One row: when the at-risk candidates were last chosen. An old or missing row means
    beat is not choosing them, and the dashboard scores every customer instead."""

    chosen_at = models.DateTimeField()

    def __str__(self):
        return f"At-risk candidates chosen at {self.chosen_at:%Y-%m-%d %H:%M}"
