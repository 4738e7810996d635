"""Template filters every page uses: role names, masking (SEC-02), money and areas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from salesoffice.core.models import Membership
from salesoffice.core.phones import mask_id_number, mask_name, mask_phone

register = template.Library()

_ROLE_LABELS = dict(Membership.RoleChoice.choices)


@register.filter
def role_label(value: str) -> Any:
    return _ROLE_LABELS.get(value, value)


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def masked_name(value: str) -> str:
    return mask_name(value or "")


@register.filter
def masked_id(value: str) -> str:
    return mask_id_number(value or "")


@register.filter
def yuan(value: Decimal | int | None) -> str:
    """Money as ``¥1,234,567.00``."""
    if value is None:
        return "—"
    return f"¥{Decimal(value):,.2f}"
