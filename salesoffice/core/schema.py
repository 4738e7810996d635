"""OpenAPI description of the site-bound token authentication."""

from typing import Any, Literal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


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
