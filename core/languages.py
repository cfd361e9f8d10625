"""Which language Rapport speaks to whom: a member of staff's choice (else their browser's) on
the pages, their choice in the emails they get; a customer's own in everything they read."""

from django.conf import settings
from django.utils import translation

from .models import Preferences

# Where a signed-in person's chosen language is kept: the session is read on every page anyway,
# so the choice costs no query of its own.
SESSION_KEY = "language"


def supported(language: str | None) -> str | None:
    """``language`` if Rapport speaks it (or a variant of it), else None."""
    if not language:
        return None
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return None


def language_of(user) -> str:
    """The language of the emails a member of staff gets: their choice, else the default."""
    return languages_of([user])[user.pk]


def languages_of(users) -> dict[int, str]:
    """``language_of`` for many members of staff in one query, by their ids."""
    chosen = dict(Preferences.objects.filter(user__in=users).values_list("user_id", "language"))
    return {user.pk: supported(chosen.get(user.pk)) or settings.LANGUAGE_CODE for user in users}


def remember_for_session(request, language: str) -> None:
    if supported(language):
        request.session[SESSION_KEY] = language
    else:
        request.session.pop(SESSION_KEY, None)


def on_login(sender, request, user, **kwargs):
    """Connected to user_logged_in: the session speaks the person's chosen language."""
    chosen = Preferences.objects.filter(user=user).values_list("language", flat=True).first()
    remember_for_session(request, chosen or "")


class ChosenLanguageMiddleware:
    """After LocaleMiddleware (the browser's language): a signed-in person's own choice wins."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            language = supported(request.session.get(SESSION_KEY))
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


def speak(request, language: str | None) -> None:
    """Speak ``language`` for the rest of this request, if Rapport speaks it: a customer's own
    page (their survey, case or email choices) follows the customer, not the browser."""
    language = supported(language)
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language
