"""From a request to what a service takes: its shape checked by an input serializer, then every
rule checked by the page's own form, and a refusal raised as the API's 400."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.html import strip_tags
from rest_framework.exceptions import ValidationError

# The field a form's errors name when they are about no field in particular.
NON_FIELD = "non_field_errors"


def shape(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _messages(errors) -> list[str]:
    # A form may write a link into a message for the page; the API gives the words.
    return [strip_tags(str(message)) for message in errors]


def refuse(errors: dict, renames: dict | None = None):
    """Raise the API's 400 for a form's (or a service's) errors, by field."""
    renames = renames or {}
    raise ValidationError(
        {
            renames.get(field, NON_FIELD if field == "__all__" else field): _messages(messages)
            for field, messages in errors.items()
        }
    )


def checked(form, renames: dict | None = None):
    """The form, valid; else the API's 400 with its errors."""
    if not form.is_valid():
        refuse(form.errors, renames)
    return form


def service_refusal(error: DjangoValidationError, renames: dict | None = None):
    """A service's ValidationError as the API's 400."""
    if hasattr(error, "error_dict"):
        refuse(error.message_dict, renames)
    raise ValidationError({NON_FIELD: _messages(error.messages)})


def current_values(form) -> dict:
    """What an unbound form shows for its instance: the data a PATCH starts from."""
    return {name: form[name].initial for name in form.fields}
