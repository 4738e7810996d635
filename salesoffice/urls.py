"""Root URLs: the kernel and every app, the REST API under /api/v1/, the OpenAPI schema."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import customers.urls
import deals.urls
import handover.urls
import reception.urls
from salesoffice.core import urls as core_urls
from salesoffice.core import views as core_views
from salesoffice.reports import urls as reports_urls
from salesoffice.reports import views as reports_views

api_v1 = [
    *core_urls.api_urlpatterns,
    *customers.urls.api_urlpatterns,
    *reception.urls.api_urlpatterns,
    *deals.urls.api_urlpatterns,
    *handover.urls.api_urlpatterns,
    *reports_urls.api_urlpatterns,
]

urlpatterns = [
    # The start page is the dashboard of the user's role (RPT-09).
    path("", reports_views.dashboard, name="dashboard"),
    path("", include(core_urls)),
    path("customers/", include(customers.urls)),
    path("reception/", include(reception.urls)),
    path("deals/", include(deals.urls)),
    path("handover/", include(handover.urls)),
    path("reports/", include(reports_urls)),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "salesoffice.core.views.permission_denied"
handler500 = "salesoffice.core.views.server_error"
