"""The app's models, one module per domain, all importable from here."""

from .complaints import CaseLink, Complaint, ComplaintEvent, ComplaintSubCause
from .follow_ups import FollowUp
from .interactions import Interaction, InteractionDayCount, InteractionDaysCounted
from .reminders import Digest, Reminder

__all__ = [
    "CaseLink",
    "Complaint",
    "ComplaintEvent",
    "ComplaintSubCause",
    "Digest",
    "FollowUp",
    "Interaction",
    "InteractionDayCount",
    "InteractionDaysCounted",
    "Reminder",
]
