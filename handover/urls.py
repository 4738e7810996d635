"""Pages (``urlpatterns``) and REST endpoints (``api_urlpatterns``, mounted under /api/v1/)."""

from django.urls import path

from handover import apis, views

urlpatterns = [
    path("work-orders/", views.work_orders, name="handover-work-orders"),
    path("work-orders/<int:work_order_id>/", views.work_order_detail, name="handover-work-order"),
    path(
        "work-orders/<int:work_order_id>/dispatch/",
        views.work_order_dispatch,
        name="handover-work-order-dispatch",
    ),
    path(
        "work-orders/<int:work_order_id>/photos/",
        views.work_order_photo_upload,
        name="handover-work-order-photo-upload",
    ),
    path(
        "work-orders/<int:work_order_id>/<str:action>/",
        views.work_order_step,
        name="handover-work-order-step",
    ),
    path("photos/<int:photo_id>/", views.work_order_photo, name="handover-photo"),
    path("my-orders/", views.my_orders, name="handover-my-orders"),
    path("workers/", views.workers, name="handover-workers"),
    path("batches/", views.batches, name="handover-batches"),
    path("batches/<int:batch_id>/", views.batch_detail, name="handover-batch"),
    path("batches/<int:batch_id>/<str:verb>/", views.batch_action, name="handover-batch-action"),
    path("notices/<int:notice_id>/pdf/", views.notice_pdf, name="handover-notice-pdf"),
    path("contracts/<int:contract_id>/handover/", views.handover_open, name="handover-open"),
    path("handovers/", views.handovers, name="handover-handovers"),
    path("handovers/<int:handover_id>/", views.handover_detail, name="handover-handover"),
    path("customers/<int:customer_id>/panel/", views.customer_panel, name="handover-customer-panel"),
    path("handovers/<int:handover_id>/<str:verb>/", views.handover_action, name="handover-handover-action"),
    path("area/", views.area_list, name="handover-areas"),
    path("area/<int:settlement_id>/", views.area_detail, name="handover-area"),
    path("area/<int:settlement_id>/pdf/", views.area_pdf, name="handover-area-pdf"),
    path("certificates/", views.certificates, name="handover-certificates"),
    path(
        "certificates/<int:case_id>/advance/", views.certificate_advance, name="handover-certificate-advance"
    ),
    path("complaints/", views.complaints, name="handover-complaints"),
    path("complaints/salespeople/", views.salesperson_complaints, name="handover-complaints-salespeople"),
    path("complaints/<int:complaint_id>/", views.complaint_detail, name="handover-complaint"),
    path("visits/", views.visits, name="handover-visits"),
    path("visits/<int:visit_id>/", views.visit_detail, name="handover-visit"),
    path("follow-ups/<int:task_id>/done/", views.follow_up_done, name="handover-follow-up-done"),
    path("desk/", views.desk, name="handover-desk"),
    path("desk/<int:entry_id>/<str:verb>/", views.desk_action, name="handover-desk-action"),
    path("desk/shift/<int:entry_id>/<str:verb>/", views.desk_shift_action, name="handover-desk-shift-action"),
    path("statistics/", views.statistics, name="handover-statistics"),
    path("statistics/export/", views.statistics_export, name="handover-statistics-export"),
]

api_urlpatterns = [
    path("sites/<int:site_id>/work-orders/", apis.WorkOrderListCreateApi.as_view(), name="api-work-orders"),
    path("work-orders/<int:work_order_id>/", apis.WorkOrderDetailApi.as_view(), name="api-work-order"),
    path(
        "work-orders/<int:work_order_id>/dispatch/",
        apis.WorkOrderDispatchApi.as_view(),
        name="api-work-order-dispatch",
    ),
    path(
        "work-orders/<int:work_order_id>/start/",
        apis.WorkOrderStartApi.as_view(),
        name="api-work-order-start",
    ),
    path(
        "work-orders/<int:work_order_id>/wait/", apis.WorkOrderWaitApi.as_view(), name="api-work-order-wait"
    ),
    path(
        "work-orders/<int:work_order_id>/resume/",
        apis.WorkOrderResumeApi.as_view(),
        name="api-work-order-resume",
    ),
    path(
        "work-orders/<int:work_order_id>/done/", apis.WorkOrderDoneApi.as_view(), name="api-work-order-done"
    ),
    path(
        "work-orders/<int:work_order_id>/confirm/",
        apis.WorkOrderConfirmApi.as_view(),
        name="api-work-order-confirm",
    ),
    path(
        "work-orders/<int:work_order_id>/reopen/",
        apis.WorkOrderReopenApi.as_view(),
        name="api-work-order-reopen",
    ),
    path(
        "work-orders/<int:work_order_id>/close/",
        apis.WorkOrderCloseApi.as_view(),
        name="api-work-order-close",
    ),
    path(
        "work-orders/<int:work_order_id>/photos/",
        apis.WorkOrderPhotoApi.as_view(),
        name="api-work-order-photos",
    ),
    path("sites/<int:site_id>/complaints/", apis.ComplaintListCreateApi.as_view(), name="api-complaints"),
    path(
        "complaints/<int:complaint_id>/acknowledge/",
        apis.ComplaintAcknowledgeApi.as_view(),
        name="api-complaint-acknowledge",
    ),
    path(
        "complaints/<int:complaint_id>/escalate/",
        apis.ComplaintEscalateApi.as_view(),
        name="api-complaint-escalate",
    ),
    path(
        "complaints/<int:complaint_id>/reply/", apis.ComplaintReplyApi.as_view(), name="api-complaint-reply"
    ),
    path(
        "complaints/<int:complaint_id>/close/", apis.ComplaintCloseApi.as_view(), name="api-complaint-close"
    ),
    path(
        "sites/<int:site_id>/questionnaires/",
        apis.QuestionnairePublishApi.as_view(),
        name="api-questionnaires",
    ),
    path(
        "questionnaires/<int:questionnaire_id>/responses/",
        apis.SurveyResponseCreateApi.as_view(),
        name="api-survey-responses",
    ),
    path(
        "return-visits/<int:visit_id>/record/",
        apis.ReturnVisitRecordApi.as_view(),
        name="api-return-visit-record",
    ),
    path(
        "sites/<int:site_id>/move-in-batches/", apis.BatchListCreateApi.as_view(), name="api-move-in-batches"
    ),
    path(
        "move-in-batches/<int:batch_id>/units/",
        apis.BatchUnitsAddApi.as_view(),
        name="api-move-in-batch-units",
    ),
    path(
        "move-in-batches/<int:batch_id>/approve/",
        apis.BatchApproveApi.as_view(),
        name="api-move-in-batch-approve",
    ),
    path("move-in-batches/<int:batch_id>/slots/", apis.SlotCreateApi.as_view(), name="api-move-in-slots"),
    path(
        "move-in-batches/<int:batch_id>/notices/", apis.NoticesSendApi.as_view(), name="api-move-in-notices"
    ),
    path("move-in-slots/<int:slot_id>/bookings/", apis.SlotBookApi.as_view(), name="api-slot-bookings"),
    path(
        "contracts/<int:contract_id>/area-settlement/",
        apis.AreaSettlementComputeApi.as_view(),
        name="api-area-settlement",
    ),
    path(
        "area-settlements/<int:settlement_id>/sign/",
        apis.AreaSettlementSignApi.as_view(),
        name="api-area-settlement-sign",
    ),
    path("sites/<int:site_id>/certificates/", apis.CertificateListApi.as_view(), name="api-certificates"),
    path(
        "contracts/<int:contract_id>/certificate/",
        apis.CertificateOpenApi.as_view(),
        name="api-certificate-open",
    ),
    path(
        "certificates/<int:case_id>/advance/",
        apis.CertificateAdvanceApi.as_view(),
        name="api-certificate-advance",
    ),
    path(
        "sites/<int:site_id>/service-statistics/",
        apis.ServiceStatisticsApi.as_view(),
        name="api-service-statistics",
    ),
]
