"""The calendar feed page (/accounts/calendar/) and the feed itself (/calendar/<token>.ics)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.people import person_name
from core.roles import is_manager

from . import selectors, services
from .ics import calendar_document
from .items import calendar_items
from .models import CalendarFeed


def _page(request, *, new_url: str = ""):
    manager = is_manager(request.user)
    context = {
        "feed": selectors.live_feed_of(request.user),
        "new_url": new_url,
        # Apple Calendar and Outlook on the desktop open a webcal:// link as a subscription.
        "webcal_url": "webcal://" + new_url.split("://", 1)[1] if new_url else "",
        "everyone": list(selectors.live_feeds()) if manager else None,
        "days_ahead": settings.CALENDAR_DAYS_AHEAD,
    }
    return render(request, "calendars/feed.html", context)


@require_GET
def feed_page(request):
    return _page(request)


@require_POST
def feed_new(request):
    """Make a link (turning off the old one) and show it, this once: only its hash is kept."""
    raw = services.feed_create(request.user)
    return _page(request, new_url=request.build_absolute_uri(reverse("calendars:ics", args=[raw])))


def _feed_to_turn_off(request, pk) -> CalendarFeed:
    """One's own feed, or anyone's for a manager; someone else's is not found."""
    feeds = CalendarFeed.objects.select_related("user")
    if not is_manager(request.user):
        feeds = feeds.filter(user=request.user)
    return get_object_or_404(feeds, pk=pk)


@require_POST
def feed_turn_off(request, pk):
    feed = _feed_to_turn_off(request, pk)
    if not services.feed_turn_off(feed, by=request.user):
        messages.info(request, _("That calendar link was already turned off."))
    elif feed.user_id == request.user.pk:
        messages.success(request, _("Your calendar link is turned off: it shows nothing now."))
    else:
        messages.success(
            request,
            _("%(name)s's calendar link is turned off.") % {"name": person_name(feed.user)},
        )
    return redirect("calendars:feed")


@login_not_required
@require_http_methods(["GET", "HEAD"])
def feed_ics(request, token):
    """The feed: public, the token is the key. Whatever is wrong with a token, the answer is
    the same 404."""
    feed = selectors.feed_for_token(token)
    if feed is None:
        raise Http404
    now = timezone.now()
    services.feed_mark_read(feed, now=now)
    document = calendar_document(
        name=_("Rapport: %(name)s") % {"name": person_name(feed.user)},
        items=calendar_items(feed.user, today=timezone.localdate(now)),
        absolute_url=request.build_absolute_uri,
        host=split_domain_port(request.get_host())[0] or "rapport",
        now=now,
    )
    response = HttpResponse(document, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="rapport.ics"'
    # Private: the feed is one person's; a few minutes' reuse spares the database a client that
    # polls too keenly.
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
