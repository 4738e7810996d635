"""Pages (``urlpatterns``) and REST endpoints (``api_urlpatterns``, mounted under /api/v1/)."""

from django.urls import path  # noqa: F401 - used as the app's routes are added

urlpatterns: list = []
api_urlpatterns: list = []
