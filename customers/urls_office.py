"""Routes of the office work around the registry: pages under /customers/, APIs under /api/v1/."""

from django.urls import path

from customers import channel_views, office_apis, office_views

urlpatterns = [
    path("my/", office_views.my_customers, name="customers-mine"),
    path("follow-ups/due/", office_views.follow_ups_due, name="customers-follow-ups-due"),
    path("follow-ups/overview/", office_views.follow_up_overview, name="customers-follow-up-overview"),
    path(
        "<int:customer_id>/follow-up-file/", office_views.customer_follow_up, name="customers-follow-up-file"
    ),
    path("pool/", office_views.pool, name="customers-pool"),
    path("pool/<int:customer_id>/claim/", office_views.pool_claim, name="customers-pool-claim"),
    path("departure/", office_views.departure, name="customers-departure"),
    path("merge/", office_views.merge, name="customers-merge"),
    path("merge/<int:merge_id>/undo/", office_views.merge_undo, name="customers-merge-undo"),
    path("replay/", office_views.replay, name="customers-replay"),
    path("import/", office_views.customer_import, name="customers-import"),
    path("import/<int:import_id>/", office_views.customer_import_status, name="customers-import-status"),
    path("channel/reports/", channel_views.channel_reports, name="customers-channel-reports"),
    path(
        "channel/reports/<int:report_id>/rereport/",
        channel_views.channel_report_rereport,
        name="customers-channel-report-rereport",
    ),
    path(
        "channel/reports/<int:report_id>/verify/",
        channel_views.channel_report_verify,
        name="customers-channel-report-verify",
    ),
    path(
        "channel/reports/<int:report_id>/cancel/",
        channel_views.channel_report_cancel,
        name="customers-channel-report-cancel",
    ),
    path(
        "channel/reports/<int:report_id>/qr.svg",
        channel_views.channel_report_qr,
        name="customers-channel-report-qr",
    ),
    path("channel/visit/<str:visit_token>/", channel_views.channel_visit, name="customers-channel-visit"),
]

api_urlpatterns = [
    path("channel-reports/", office_apis.ChannelReportListApi.as_view(), name="api-channel-reports"),
    path(
        "channel-reports/<int:report_id>/rereport/",
        office_apis.ChannelReportRereportApi.as_view(),
        name="api-channel-report-rereport",
    ),
    path(
        "customers/<int:customer_id>/pool-claim/", office_apis.PoolClaimApi.as_view(), name="api-pool-claim"
    ),
]
