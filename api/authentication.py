"""Who is calling: a personal token in ``Authorization: Bearer <token>``."""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .tokens import token_use


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        # Read as the server handed it over: a header of bytes beyond Latin-1 is just not a token.
        header = str(request.META.get("HTTP_AUTHORIZATION", "")).split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as “Authorization: Bearer <token>”.")
            )
        use = token_use(header[1])
        if use is None:
            raise exceptions.AuthenticationFailed(_("That token is not valid, or was revoked."))
        return use.token.user, use

    def authenticate_header(self, request):
        return f'{self.keyword} realm="Rapport"'
