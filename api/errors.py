"""Every error the API answers has one shape: {"detail", "code", "fields"}."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler


def _flatten(errors) -> dict[str, list[str]]:
    if isinstance(errors, dict):
        flat = {}
        for field, value in errors.items():
            for name, messages in _flatten(value).items():
                flat[f"{field}.{name}" if name else str(field)] = messages
        return flat
    if isinstance(errors, list) and any(isinstance(item, dict | list) for item in errors):
        flat = {}
        for index, item in enumerate(errors):
            for name, messages in _flatten(item).items():
                flat[f"{index}.{name}" if name else str(index)] = messages
        return flat
    items = errors if isinstance(errors, list) else [errors]
    return {"": [str(item) for item in items]}


def api_exception_handler(error, context):
    response = exception_handler(error, context)
    if response is None:
        return None
    if isinstance(error, exceptions.ValidationError):
        flat = _flatten(error.detail)
        fields = {name or "non_field_errors": messages for name, messages in flat.items()}
        body = {"detail": _("Check the fields named below."), "code": "invalid", "fields": fields}
    else:
        detail = getattr(error, "detail", None) or response.data.get("detail", "")
        code = detail.code if isinstance(detail, exceptions.ErrorDetail) else "error"
        body = {"detail": str(detail), "code": code, "fields": {}}
    response.data = body
    return response
