"""A mistyped mailbox URL stops the processes at start, instead of a poll that imports nothing."""

from django.conf import settings
from django.core.checks import Error, register

from .imap import mailbox_address


@register()
def imap_urls_check(app_configs, **kwargs):
    errors = []
    for position, url in enumerate(settings.INBOUND_IMAP_URLS, start=1):
        try:
            mailbox_address(url)
        except ValueError as error:
            errors.append(
                Error(
                    f"INBOUND_IMAP_URLS, mailbox {position}: {error}.",
                    hint="Write it as imaps://user:password@host/folder, "
                    "with the password URL-quoted.",
                    id="inbound.E001",
                )
            )
    return errors
