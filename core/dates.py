import datetime

from django.conf import settings
from django.utils import timezone


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the business's time zone (TIME_ZONE)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def email_sweep_window(
    now: datetime.datetime, quiet_seconds: int
) -> tuple[datetime.datetime, datetime.datetime]:
    """What a sweep of unsent or abandoned emails looks at: events from the catch-up window
    (PENDING_EMAIL_CATCH_UP_HOURS) that have been quiet for at least ``quiet_seconds``."""
    return (
        now - datetime.timedelta(hours=settings.PENDING_EMAIL_CATCH_UP_HOURS),
        now - datetime.timedelta(seconds=quiet_seconds),
    )
