"""django-filter sets of the inventory API (UNIT-04 filters)."""

from __future__ import annotations

import django_filters

from deals.models import Unit


class UnitFilter(django_filters.FilterSet):
    building = django_filters.NumberFilter(field_name="building_id")
    layout = django_filters.CharFilter()
    sales_batch = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=Unit.Status.choices)
    floor = django_filters.NumberFilter()
    area_min = django_filters.NumberFilter(field_name="building_area", lookup_expr="gte")
    area_max = django_filters.NumberFilter(field_name="building_area", lookup_expr="lte")
    price_min = django_filters.NumberFilter(field_name="list_total", lookup_expr="gte")
    price_max = django_filters.NumberFilter(field_name="list_total", lookup_expr="lte")

    class Meta:
        model = Unit
        fields = ["building", "layout", "sales_batch", "status", "floor"]
