from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.redirects import redirect_to_next
from core.roles import is_manager, manager_required
from interactions import digests
from interactions.models import Reminder
from interactions.reminders import planning as reminders
from interactions.reminders import selectors
from interactions.reminders.forms import (
    ReminderDismissForm,
    ReminderDoneForm,
    ReminderSnoozeForm,
)


def get_reminder_for_action(request, pk) -> Reminder:
    """The reminder, if it is this user's to act on (managers may act on anyone's)."""
    reminder = get_object_or_404(Reminder.objects.select_related("customer"), pk=pk)
    if reminder.recipient_id != request.user.pk and not is_manager(request.user):
        raise PermissionDenied
    return reminder


def reminder_list(request):
    today = timezone.localdate()
    failed = None
    if is_manager(request.user):
        failed = selectors.failed_reminders()[:100]
    return render(
        request,
        "interactions/reminder_list.html",
        {
            "today": today,
            "reminders": reminders.reminders_for(request.user, today),
            "failed": failed,
            "section": "reminders",
        },
    )


def _finish(request, reminder, message):
    messages.success(request, message)
    return redirect_to_next(request, "interactions:reminders")


def _refuse(request, error: ValidationError):
    for text in error.messages:
        messages.error(request, text)
    return redirect("interactions:reminders")


@require_POST
def reminder_done(request, pk):
    reminder = get_reminder_for_action(request, pk)
    form = ReminderDoneForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ValidationError([e for es in form.errors.values() for e in es]))
    reminders.reminder_done(reminder, user=request.user, summary=form.cleaned_data["summary"])
    if reminder.kind == Reminder.Kind.CHECK_IN:
        message = _("Check-in with %(customer)s logged.")
    else:
        message = _("Done: %(customer)s.")
    return _finish(request, reminder, message % {"customer": reminder.customer})


@require_POST
def reminder_snooze(request, pk):
    reminder = get_reminder_for_action(request, pk)
    form = ReminderSnoozeForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ValidationError([e for es in form.errors.values() for e in es]))
    try:
        reminders.reminder_snooze(reminder, until=form.cleaned_data["until"])
    except ValidationError as error:
        return _refuse(request, error)
    until = form.cleaned_data["until"]
    return _finish(
        request, reminder, _("Snoozed until %(day)s.") % {"day": until.strftime("%d %b")}
    )


@require_POST
def reminder_dismiss(request, pk):
    reminder = get_reminder_for_action(request, pk)
    form = ReminderDismissForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ValidationError(_("Say why you are dismissing it.")))
    try:
        reminders.reminder_dismiss(reminder, reason=form.cleaned_data["reason"], by=request.user)
    except ValidationError as error:
        return _refuse(request, error)
    return _finish(request, reminder, _("Dismissed."))


@require_POST
@manager_required
def reminder_retry(request, pk):
    reminder = get_object_or_404(Reminder, pk=pk)
    digests.reminder_retry(reminder)
    return _finish(request, reminder, _("Sending it again."))
