"""The announcement pages, for managers: the list, compose, and one announcement's preview,
progress and results."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.roles import manager_required

from . import audience, selectors, services
from .emails import announcement_email
from .forms import AnnouncementForm, ScheduleForm
from .models import Announcement

PAGE_SIZE = 25
_MOVED_ON = _("This announcement has moved on meanwhile: here is where it is now.")


@manager_required
@require_GET
def announcement_list(request):
    page = Paginator(Announcement.objects.select_related("created_by"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "announcements/list.html", {"page": page, "section": "announcements"})


def _audience_data(data) -> dict:
    """The filters as submitted (they have been checked): applied again whenever it is read."""
    return {key: data[key][:200] for key in audience.AUDIENCE_FIELDS if data.get(key)}


@manager_required
@require_http_methods(["GET", "POST"])
def announcement_compose(request, pk=None):
    announcement = (
        get_object_or_404(Announcement, pk=pk, state=Announcement.State.DRAFT)
        if pk is not None
        else Announcement(created_by=request.user)
    )
    if request.method == "POST":
        form = AnnouncementForm(request.POST, instance=announcement)
        chooser = audience.audience_filter(request.POST, user=request.user)
        if form.is_valid() and chooser.form.is_valid():
            try:
                services.announcement_save(form.instance, audience=_audience_data(request.POST))
            except services.WrongState:
                messages.warning(request, _MOVED_ON)
            return redirect(form.instance)
    else:
        form = AnnouncementForm(instance=announcement)
        chooser = audience.audience_filter(announcement.audience, user=request.user)
    return render(
        request,
        "announcements/compose.html",
        {
            "form": form,
            "chooser": chooser,
            "announcement": announcement,
            "section": "announcements",
        },
    )


def _sample(announcement):
    """The email as the first customer it goes to would get it."""
    customer = (
        audience.reachable(audience.chosen(announcement), announcement.kind).order_by("pk").first()
    )
    if customer is None:
        return None
    return announcement_email(announcement, customer=customer)


@manager_required
@require_GET
def announcement_detail(request, pk):
    announcement = get_object_or_404(Announcement.objects.select_related("created_by"), pk=pk)
    context = {"announcement": announcement, "section": "announcements"}
    if announcement.is_draft:
        context |= {
            "preview": audience.preview(announcement),
            "sample": _sample(announcement),
            "schedule_form": ScheduleForm(),
        }
    else:
        context |= {
            "progress": selectors.progress(announcement),
            "results": selectors.results(announcement),
            "wishers": announcement.recipients.exclude(wish="")
            .select_related("customer")
            .order_by("customer__name")[:50],
        }
    return render(request, "announcements/detail.html", context)


@manager_required
@require_GET
def announcement_progress(request, pk):
    announcement = get_object_or_404(Announcement, pk=pk)
    return JsonResponse(selectors.progress(announcement))


@manager_required
@require_POST
def announcement_send(request, pk):
    announcement = get_object_or_404(Announcement, pk=pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["send_at"]))
        return redirect(announcement)
    try:
        count = services.announcement_send(announcement, at=form.cleaned_data["send_at"])
    except services.WrongState:
        messages.warning(request, _MOVED_ON)
        return redirect(announcement)
    messages.success(
        request,
        _("Going to %(count)s customers.") % {"count": count}
        if announcement.state == Announcement.State.SENDING
        else _("Scheduled for %(count)s customers.") % {"count": count},
    )
    return redirect(announcement)


@manager_required
@require_POST
def announcement_test(request, pk):
    announcement = get_object_or_404(Announcement, pk=pk)
    if not request.user.email:
        messages.error(request, _("Your account has no email address to send a test to."))
    else:
        services.announcement_test_send(announcement, to=request.user.email)
        messages.success(request, _("A test is on its way to %(to)s.") % {"to": request.user.email})
    return redirect(announcement)


_MOVES = {
    "pause": services.announcement_pause,
    "resume": services.announcement_resume,
    "cancel": services.announcement_cancel,
}


@manager_required
@require_POST
def announcement_move(request, pk, move):
    announcement = get_object_or_404(Announcement, pk=pk)
    try:
        _MOVES[move](announcement)
    except services.WrongState:
        messages.warning(request, _MOVED_ON)
    return redirect(announcement)


@manager_required
@require_POST
def announcement_wishes_met(request, pk):
    announcement = get_object_or_404(Announcement, pk=pk)
    marked = services.wishes_mark_met(announcement)
    messages.success(
        request, _("%(count)s customers' wishes marked as met by it.") % {"count": marked}
    )
    return redirect(announcement)
