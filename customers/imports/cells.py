"""Checking the cells of an import: each one becomes a value for a customer's field, or a message
that says what to write instead."""

import datetime
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from core.languages import supported

from ..forms import assignable_users
from ..models import Customer
from ..services import normalise_email

TAG_SEPARATORS = re.compile(r"[|,]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BOOLEANS = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
# Read as the customer form reads it: str.isdigit() passes "²" and 5,000-digit numbers, which
# int() then refuses.
_CADENCE_DAYS = forms.IntegerField(min_value=1, max_value=3650)


def shown(value: str) -> str:
    """The value as a message quotes it: long ones cut short."""
    return value if len(value) <= 60 else value[:57] + "…"


class BadCell(Exception):
    """A cell's value is wrong; the message says what to write instead."""


class Cleaner:
    """Turns one cell of a column into the value for the model field, or raises BadCell."""

    CHOICES = {
        "preferred_channel": Customer.Channel,
        "temperament": Customer.Temperament,
        "segment": Customer.Segment,
        "status": Customer.Status,
    }

    def __init__(self):
        self.latest_customer_since = Customer.latest_customer_since()
        self.choices = {
            column: self._choice_map(choices) for column, choices in self.CHOICES.items()
        }
        self.users: dict[str, int] = {}
        folded: dict[str, list[int]] = {}
        for user in assignable_users().only("id", "username"):
            self.users[user.username] = user.pk
            folded.setdefault(user.username.lower(), []).append(user.pk)
        # "Sam" finds "sam" unless two users differ only by case.
        self.users_folded = {name: pks[0] for name, pks in folded.items() if len(pks) == 1}

    @staticmethod
    def _choice_map(choices) -> dict[str, str]:
        found = {}
        for value, label in choices.choices:
            found[str(label).lower()] = value
            if value:
                found[value.lower()] = value
        return found

    def clean(self, column: str, value: str) -> tuple[str, object]:
        """(model field name, value) for a non-blank cell."""
        if column in self.choices:
            return column, self._choice(column, value)
        method = getattr(self, f"_clean_{column}", None)
        if method is not None:
            return method(value)
        return column, self._text(column, value)

    def _text(self, column: str, value: str) -> str:
        limit = Customer._meta.get_field(column).max_length
        if limit and len(value) > limit:
            raise BadCell(
                _("'%(value)s' is %(length)d characters long; shorten it to %(limit)d.")
                % {"value": shown(value), "length": len(value), "limit": limit}
            )
        return value

    def _choice(self, column: str, value: str) -> str:
        try:
            return self.choices[column][value.lower()]
        except KeyError:
            allowed = ", ".join(v for v in self.CHOICES[column].values if v)
            raise BadCell(
                _("'%(value)s' is not one of the allowed values; write one of: %(allowed)s.")
                % {"value": shown(value), "allowed": allowed}
            ) from None

    def _clean_email(self, value: str) -> tuple[str, str]:
        email = normalise_email(value)
        try:
            validate_email(email)
        except ValidationError:
            raise BadCell(
                _("'%(value)s' is not an email address; correct it or leave the cell empty.")
                % {"value": shown(value)}
            ) from None
        return "email", self._text("email", email)

    def _clean_owner(self, value: str) -> tuple[str, int]:
        pk = self.users.get(value) or self.users_folded.get(value.lower())
        if pk is None:
            raise BadCell(
                _(
                    "'%(value)s' is not the username of an active staff member or manager; "
                    "write their username, or leave the cell empty for nobody."
                )
                % {"value": shown(value)}
            )
        return "owner_id", pk

    def _clean_tags(self, value: str) -> tuple[str, list[str]]:
        seen, names = set(), []
        for raw in TAG_SEPARATORS.split(value):
            name = " ".join(raw.split())
            if len(name) > 50:
                raise BadCell(
                    _("the tag '%(tag)s' is longer than 50 characters; shorten it.")
                    % {"tag": shown(name)}
                )
            if name and name.lower() not in seen:
                seen.add(name.lower())
                names.append(name)
        return "tags", names

    def _date(self, value: str) -> datetime.date:
        try:
            if _DATE.fullmatch(value):
                return datetime.date.fromisoformat(value)
        except ValueError:
            pass
        raise BadCell(
            _("'%(value)s' is not a date; write it as YYYY-MM-DD.") % {"value": shown(value)}
        )

    def _clean_customer_since(self, value: str) -> tuple[str, datetime.date]:
        since = self._date(value)
        if since > self.latest_customer_since:
            raise BadCell(
                _("'%(value)s' is more than a year ahead; check the year.")
                % {"value": shown(value)}
            )
        return "customer_since", since

    def _clean_birthday(self, value: str) -> tuple[str, datetime.date]:
        return "birthday", self._date(value)

    def _clean_checkin_cadence_days(self, value: str) -> tuple[str, int]:
        try:
            return "checkin_cadence_days", _CADENCE_DAYS.clean(value)
        except ValidationError:
            raise BadCell(
                _(
                    "'%(value)s' is not a number of days from 1 to 3650; write a whole number, "
                    "or leave the cell empty for the segment's default."
                )
                % {"value": shown(value)}
            ) from None

    def _clean_language(self, value: str) -> tuple[str, str]:
        """A language's code ("es", "de", "en" or a variant such as "es-MX") or its name."""
        names = {str(name).lower(): code for code, name in settings.LANGUAGES}
        language = names.get(value.lower()) or supported(value.strip().lower())
        if language is None:
            raise BadCell(
                _("'%(value)s' is not a language Rapport writes in; write one of: %(allowed)s.")
                % {
                    "value": shown(value),
                    "allowed": ", ".join(code for code, _name in settings.LANGUAGES),
                }
            )
        return "language", language

    def _clean_email_opt_out(self, value: str) -> tuple[str, bool]:
        try:
            return "email_opt_out", _BOOLEANS[value.lower()]
        except KeyError:
            raise BadCell(
                _("'%(value)s' is not yes or no; write yes or no.") % {"value": shown(value)}
            ) from None

    def _clean_marketing_consent(self, value: str) -> tuple[str, bool]:
        # Not a field: the import records consent (or its withdrawal) with its date and source.
        try:
            return "marketing_consent", _BOOLEANS[value.lower()]
        except KeyError:
            raise BadCell(
                _(
                    "'%(value)s' is not yes or no; write yes if they agreed to marketing email, "
                    "no if not, or leave the cell empty."
                )
                % {"value": shown(value)}
            ) from None
