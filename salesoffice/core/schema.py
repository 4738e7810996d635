"""OpenAPI description of the site-bound token authentication."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
