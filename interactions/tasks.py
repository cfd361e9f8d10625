"""Celery tasks: thin wrappers that take ids and call a service. Each is also a command."""

from celery import shared_task

from . import digests, stats
from .reminders import planning as reminders


@shared_task
def plan_reminders() -> int:
    """Create the reminders that fell due, and escalate breached complaint targets (every 15
    minutes on beat)."""
    return reminders.plan_reminders()


@shared_task
def send_digests() -> int:
    """Queue today's digests for everyone with something due (every few minutes on beat).

    Plans first, so a digest never misses what fell due since the last planning run."""
    reminders.plan_reminders()
    return digests.schedule_digests()


@shared_task
def refresh_interaction_counts() -> int:
    """Summarise the interactions of closed days for the dashboard (hourly on beat)."""
    return stats.refresh()
