"""Send an email rendered from templates/emails/<name>-{subject,body}.{txt,html}."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_templated_email(
    name: str, *, to: list[str], context: dict, headers: dict | None = None, connection=None
) -> None:
    """With a ``connection``, the email goes over it and leaves it open for the next one (the
    caller closes it); without, it opens and closes a connection of its own."""
    if connection is not None:
        connection.open()
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{name}-body.txt", context),
        to=to,
        headers=headers or {},
        connection=connection,
    )
    message.attach_alternative(render_to_string(f"emails/{name}-body.html", context), "text/html")
    message.send()
