"""How the OpenAPI schema describes the API beyond what drf-spectacular sees: the token as an
HTTP bearer scheme, and the error answers every operation can give."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token from /accounts/tokens/.",
        }


class Error(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The messages by field, for a 400; empty otherwise.",
    )


ERRORS = {
    "400": "The request's fields, filters or Idempotency-Key are not right; `fields` says why.",
    "401": "No token, or one that is not valid or was revoked.",
    "403": "The token's owner may not do this, or the token only reads.",
    "404": "No such thing.",
    "429": "Too many requests this minute: see Retry-After.",
}


class RapportAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        handler = getattr(self.view, self.method.lower(), None)
        if getattr(handler, "idempotent", False):
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    str,
                    OpenApiParameter.HEADER,
                    description=(
                        "Any unique string (a UUID): the same request sent again with it writes "
                        "nothing twice and gets the first answer, for API_IDEMPOTENCY_HOURS."
                    ),
                )
            )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERRORS.items():
            responses.setdefault(
                code, self._get_response_for_code(Error, code, direction=direction)
            )
            responses[code]["description"] = description
        if self.method == "POST":
            responses["422"] = self._get_response_for_code(Error, "422", direction=direction)
            responses["422"]["description"] = "That Idempotency-Key was used for another request."
        return responses
