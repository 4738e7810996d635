"""Serializer fields and validators shared by the REST endpoints and forms (SEC-07, quality.md R8)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Letters, marks, digits, punctuation and spaces; never controls, invisible format characters (bidi
# overrides, zero-width spaces), unpaired surrogates, private-use or unassigned code points, or symbols
# (emoji among them).
_NAME_CATEGORIES = ("L", "M", "N", "P", "Zs")


def validate_person_name(value: str) -> None:
    """A person's (or a payer's) name as printed on a contract: it contains a letter and nothing a
    printer cannot show or that would reorder the text around it."""
    if not any(unicodedata.category(char).startswith("L") for char in value) or not all(
        unicodedata.category(char).startswith(_NAME_CATEGORIES) for char in value
    ):
        raise ValidationError(_("Enter a valid value."), code="invalid")


# Every time a client sends is a business event of the office's life: a visit, a hold's end, a slot.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class DateTimeField(serializers.DateTimeField):
    """DRF's ``DateTimeField`` for input, refusing a time outside 1970–2099 with a field error: such a
    time is a typing error, and near the ends of the calendar (``0001-01-01T00:00`` at UTC+8) it cannot
    even be converted to UTC, which would be a server error."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        moment = super().to_internal_value(value)
        if not EARLIEST <= moment < LATEST:
            self.fail("overflow")
        return moment

    def enforce_timezone(self, value: dt.datetime) -> Any:
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")
