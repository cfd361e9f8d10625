from celery import shared_task

from . import at_risk


@shared_task(ignore_result=False)
def ping():
    """Answer "pong": proves a task sent from the web reaches a worker and comes back."""
    return "pong"


@shared_task
def choose_at_risk_candidates() -> int:
    """Keep the likeliest at-risk customers for the dashboard (every few minutes on beat)."""
    return at_risk.shortlist_choose()
