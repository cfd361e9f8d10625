"""Password reset, throttled: a few emails an hour per account and per client address.

Django's reset view emails on every valid request, so anyone could fill someone's inbox, or
spend the mail provider's quota, by repeating one. Past either limit the visitor sees the same
"check your email" page as always, whether or not the address has an account, and no email
goes. The counts live in the database, so every web worker sees the same ones. The email
goes through the outbox, like every other.
"""

import datetime

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils import timezone

from .addresses import client_address, keyed_hash
from .models import PasswordResetRequest
from .outbox.queue import email_queue

WINDOW = datetime.timedelta(hours=1)


def password_reset_claim(*, email: str, client_address: str, now=None) -> bool:
    """Count one reset email for this account and this client, and say whether it may go:
    False, counting nothing, once either had its limit within the hour.

    A soft limit: two requests at the same instant may both pass, which is fine for keeping
    an inbox from being flooded."""
    now = now or timezone.now()
    since = now - WINDOW
    account = keyed_hash("crm.password-reset-account", email.strip().lower())
    client = keyed_hash("crm.password-reset-client", client_address)
    recent = PasswordResetRequest.objects.filter(created_at__gte=since)
    if (
        recent.filter(account_hash=account).count() >= settings.PASSWORD_RESET_ACCOUNT_LIMIT
        or recent.filter(client_hash=client).count() >= settings.PASSWORD_RESET_ADDRESS_LIMIT
    ):
        return False
    with transaction.atomic():
        # Rows older than the window count for nothing: clearing them keeps the table an hour.
        PasswordResetRequest.objects.filter(created_at__lt=since).delete()
        request = PasswordResetRequest(created_at=now, account_hash=account, client_hash=client)
        request.full_clean()
        request.save()
    return True


class OutboxPasswordResetForm(PasswordResetForm):
    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        email_queue(
            "password-reset",
            to=to_email,
            subject="".join(render_to_string(subject_template_name, context).splitlines()),
            body_text=render_to_string(email_template_name, context),
            body_html=render_to_string(html_email_template_name, context)
            if html_email_template_name
            else "",
            person=context["user"],
            about=context["user"],
            secret=True,  # the link opens the account
        )


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm

    def form_valid(self, form):
        address = client_address(self.request)
        if password_reset_claim(email=form.cleaned_data["email"], client_address=address):
            return super().form_valid(form)
        # The page a sent email gets: it must not tell whether the address has an account.
        return HttpResponseRedirect(self.get_success_url())
