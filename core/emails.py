"""Emails rendered from templates/emails/<name>-{subject,body}.{txt,html}."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render_email(name: str, context: dict, *, language: str | None = None) -> dict:
    """Subject and bodies, as keyword arguments of core.outbox.email_queue, written in the
    recipient's ``language`` (the default language without one), whoever's request sends it."""
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        return {
            "subject": " ".join(render_to_string(f"emails/{name}-subject.txt", context).split()),
            "body_text": render_to_string(f"emails/{name}-body.txt", context),
            "body_html": render_to_string(f"emails/{name}-body.html", context),
        }
