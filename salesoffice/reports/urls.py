"""Report pages (``urlpatterns``, mounted at /reports/) and REST endpoints (``api_urlpatterns``, under
/api/v1/reports/)."""

from django.urls import path

from salesoffice.reports import apis, views

urlpatterns = [
    path("", views.dashboard, name="reports-dashboard"),
    path("drill/<slug:metric>/", views.drill_down, name="reports-drill"),
    path("activities/", views.activity_list, name="reports-activities"),
    path("activities/new/", views.activity_edit, name="reports-activity-new"),
    path("activities/<int:activity_id>/", views.activity_edit, name="reports-activity-edit"),
    path("targets/", views.targets, name="reports-targets"),
    path("group/monthly/", views.group_monthly, name="reports-group-monthly"),
    path("group/monthly/open/", views.group_monthly_open, name="reports-group-monthly-open"),
    path("group/monthly/export/<str:fmt>/", views.group_monthly_export, name="reports-group-monthly-export"),
    path("<slug:report>/", views.report_page, name="reports-page"),
    path("<slug:report>/export/<str:fmt>/", views.report_export, name="reports-export"),
]

api_urlpatterns = [
    path("reports/group/monthly/", apis.GroupMonthlyReportApi.as_view(), name="api-report-group-monthly"),
    path("reports/sites/<int:site_id>/daily/", apis.DailyReportApi.as_view(), name="api-report-daily"),
    path(
        "reports/sites/<int:site_id>/drill/<slug:metric>/", apis.DrillApi.as_view(), name="api-report-drill"
    ),
    path("reports/sites/<int:site_id>/<slug:report>/", apis.ReportDocumentApi.as_view(), name="api-report"),
]
