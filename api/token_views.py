"""The account page of personal API tokens: make one (shown once), see them, revoke them."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.roles import is_manager

from . import tokens
from .forms import TokenForm
from .models import ApiToken


@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        token, created = tokens.token_create(user=request.user, **form.cleaned_data)
        form = TokenForm()
    manager = is_manager(request.user)
    live = ApiToken.objects.filter(revoked_at=None).select_related("user")
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "created": created,
            "mine": live.filter(user=request.user),
            "others": live.exclude(user=request.user) if manager else None,
        },
    )


@require_POST
def token_revoke(request, pk):
    token = ApiToken.objects.filter(pk=pk).select_related("user").first()
    if token is None or not (token.user_id == request.user.pk or is_manager(request.user)):
        raise Http404(_("No such token."))
    if tokens.token_revoke(token, by=request.user):
        messages.success(
            request, _("“%(name)s” was revoked: it no longer works.") % {"name": token.name}
        )
    else:
        messages.info(request, _("That token was already revoked."))
    return redirect("api:tokens")
