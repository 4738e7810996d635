"""Customers' pages (``urlpatterns``) and REST endpoints (``api_urlpatterns``, under /api/v1/):
the counter and the customer file, and the office work around them."""

from customers import urls_counter, urls_office

urlpatterns = [*urls_counter.urlpatterns, *urls_office.urlpatterns]
api_urlpatterns = [*urls_counter.api_urlpatterns, *urls_office.api_urlpatterns]
