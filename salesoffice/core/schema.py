"""OpenAPI description of the site-bound token authentication and of the one error shape."""

from typing import Any, Literal

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class SiteTokenScheme(OpenApiAuthenticationExtension):
    target_class = "salesoffice.core.authentication.SiteTokenAuthentication"
    name = "siteToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token so_<prefix>_<secret>`: bound to one site, read-only or read-write.",
        }


class WallClockTimeField(OpenApiSerializerFieldExtension):
    """DRF reads and writes a ``TimeField`` as a wall-clock time of the site (``18:00:00``), without
    the UTC offset that the OpenAPI ``time`` format (RFC 3339 ``full-time``) requires."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
            "example": "18:00:00",
        }


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    # DRF's metaclass lifts declared fields off the class, so this does not shadow Serializer.fields.
    fields = serializers.DictField(help_text="Input fields to blame, each with its messages.")  # type: ignore[assignment]


class ErrorSerializer(serializers.Serializer):
    """The body of every API error (``core.exceptions.api_exception_handler``)."""

    error = ErrorDetailSerializer()


# Every operation can answer with these (the error handler, authentication, throttling, R5's 503).
ERROR_RESPONSES = {
    "400": "Invalid input or a business rule said no; `fields` names the inputs to blame.",
    "401": "Not logged in, or the token is invalid or revoked.",
    "403": "Your role, or a read-only token, may not do this.",
    "404": "Not found, or not visible to you.",
    "429": "Too many requests.",
    "503": "The database is briefly unavailable; retry after `Retry-After` seconds.",
}
CONFLICT_RESPONSE = {"409": "Someone else took the thing first (e.g. the unit is no longer available)."}


class OfficeAutoSchema(AutoSchema):
    """Each API view declares its own small ``InputSerializer``/``OutputSerializer`` (one per
    business verb); the component takes the view's name so the schema keeps them apart."""

    def get_serializer_name(self, serializer: Any, direction: Literal["request", "response"]) -> str:
        name = super().get_serializer_name(serializer, direction)
        serializer_class = serializer if isinstance(serializer, type) else type(serializer)
        outer, _, _inner = serializer_class.__qualname__.rpartition(".")
        if outer and "<locals>" not in outer:
            prefix = outer.split(".")[-1].removesuffix("Api")
            if not name.startswith(prefix):
                return prefix + name
        return name

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        """The view's own responses, then the error responses it does not describe itself."""
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        errors = dict(ERROR_RESPONSES)
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            errors.update(CONFLICT_RESPONSE)
        for code, description in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code, direction=direction
                )
        return dict(sorted(responses.items()))
