"""Pages (``urlpatterns``) and REST endpoints (``api_urlpatterns``, mounted under /api/v1/)."""

from django.urls import path

from deals import apis, views

urlpatterns = [
    path("board/", views.board, name="deals-board"),
    path("board/<int:building_id>/grid/", views.board_grid, name="deals-board-grid"),
    path("units/<int:unit_id>/", views.unit_detail, name="deals-unit"),
    path(
        "units/<int:unit_id>/withhold/", views.unit_control, {"verb": "withhold"}, name="deals-unit-withhold"
    ),
    path("units/<int:unit_id>/release/", views.unit_control, {"verb": "release"}, name="deals-unit-release"),
    path("units/<int:unit_id>/price/", views.unit_price, name="deals-unit-price"),
    path("control/", views.batch_control, name="deals-batch"),
    path("import/", views.inventory_import, name="deals-import"),
    path("import/<int:import_id>/", views.inventory_import_status, name="deals-import-status"),
    path("quote/", views.quote_page, name="deals-quote"),
    path("quote/pdf/", views.quote_pdf, name="deals-quote-pdf"),
    path("customers/<int:customer_id>/panel/", views.customer_panel, name="deals-customer-panel"),
]

api_urlpatterns = [
    path("sites/<int:site_id>/buildings/", apis.BuildingListApi.as_view(), name="api-buildings"),
    path("sites/<int:site_id>/units/", apis.UnitListApi.as_view(), name="api-units"),
    path("units/<int:unit_id>/", apis.UnitDetailApi.as_view(), name="api-unit"),
    path("units/<int:unit_id>/withhold/", apis.UnitWithholdApi.as_view(), name="api-unit-withhold"),
    path("units/<int:unit_id>/release/", apis.UnitReleaseApi.as_view(), name="api-unit-release"),
    path(
        "units/<int:unit_id>/price-change/", apis.UnitPriceChangeApi.as_view(), name="api-unit-price-change"
    ),
    path("units/<int:unit_id>/quote/", apis.UnitQuoteApi.as_view(), name="api-unit-quote"),
    path(
        "sites/<int:site_id>/unit-imports/", apis.InventoryImportCreateApi.as_view(), name="api-unit-imports"
    ),
    path("unit-imports/<int:import_id>/", apis.InventoryImportStatusApi.as_view(), name="api-unit-import"),
]

urlpatterns += [
    path("units/<int:unit_id>/deposit/", views.deposit_new, name="deals-deposit-new"),
    path("customer-search/", views.customer_search, name="deals-customer-search"),
    path("deals/<int:deal_id>/", views.deal_detail, name="deals-deal"),
    path("contracts/<int:contract_id>/approve/", views.contract_approve, name="deals-contract-approve"),
    path("contracts/<int:contract_id>/file/", views.contract_file, name="deals-contract-file"),
    path("deals/<int:deal_id>/mortgage/", views.mortgage_start, name="deals-mortgage-start"),
    path("mortgages/<int:mortgage_id>/advance/", views.mortgage_advance, name="deals-mortgage-advance"),
    path("deals/<int:deal_id>/request/", views.approval_new, name="deals-approval-new"),
    path("deals/<int:deal_id>/subscription/", views.subscription_new, name="deals-subscription-new"),
    path("deals/<int:deal_id>/ledger/", views.ledger, name="deals-ledger"),
    path("deposits/<int:deposit_id>/top-up/", views.deposit_top_up, name="deals-top-up"),
    path("deposits/<int:deposit_id>/change-unit/", views.deposit_change_unit, name="deals-change-unit"),
    path("approvals/", views.approvals_inbox, name="deals-approvals"),
    path("approvals/<int:request_id>/", views.approval_detail, name="deals-approval"),
    path("subscriptions/<int:subscription_id>/pdf/", views.subscription_pdf, name="deals-subscription-pdf"),
    path("subscriptions/<int:subscription_id>/signing/", views.signing, name="deals-signing"),
    path("mortgages/", views.mortgages, name="deals-mortgages"),
    path("commission/", views.commission, name="deals-commission"),
    path("commission/<str:fmt>/", views.commission_export, name="deals-commission-export"),
]

api_urlpatterns += [
    path("units/<int:unit_id>/hold/", apis.UnitHoldApi.as_view(), name="api-unit-hold"),
    path("units/<int:unit_id>/reserve/", apis.UnitReserveApi.as_view(), name="api-unit-reserve"),
    path("deposits/<int:deposit_id>/top-up/", apis.DepositTopUpApi.as_view(), name="api-deposit-top-up"),
    path(
        "deposits/<int:deposit_id>/change-unit/",
        apis.DepositChangeUnitApi.as_view(),
        name="api-deposit-change-unit",
    ),
    path("deposits/<int:deposit_id>/extend/", apis.DepositExtendApi.as_view(), name="api-deposit-extend"),
    path(
        "deposits/<int:deposit_id>/waive-forfeiture/",
        apis.DepositWaiveForfeitureApi.as_view(),
        name="api-deposit-waive-forfeiture",
    ),
    path(
        "deposits/<int:deposit_id>/subscription/",
        apis.SubscriptionCreateApi.as_view(),
        name="api-subscription-create",
    ),
    path("sites/<int:site_id>/approvals/", apis.ApprovalListApi.as_view(), name="api-approvals"),
    path("approvals/", apis.ApprovalCreateApi.as_view(), name="api-approval-create"),
    path("approvals/<int:request_id>/", apis.ApprovalDetailApi.as_view(), name="api-approval"),
    path(
        "approvals/<int:request_id>/approve/", apis.ApprovalApproveApi.as_view(), name="api-approval-approve"
    ),
    path("approvals/<int:request_id>/refuse/", apis.ApprovalRefuseApi.as_view(), name="api-approval-refuse"),
    path(
        "subscriptions/<int:subscription_id>/", apis.SubscriptionDetailApi.as_view(), name="api-subscription"
    ),
    path(
        "subscriptions/<int:subscription_id>/check/",
        apis.SubscriptionCheckApi.as_view(),
        name="api-subscription-check",
    ),
    path(
        "subscriptions/<int:subscription_id>/sign/", apis.ContractSignApi.as_view(), name="api-contract-sign"
    ),
    path(
        "contracts/<int:contract_id>/approve/", apis.ContractApproveApi.as_view(), name="api-contract-approve"
    ),
    path("contracts/<int:contract_id>/file/", apis.ContractFileApi.as_view(), name="api-contract-file"),
    path(
        "deals/<int:deal_id>/cancellations/",
        apis.CancellationCreateApi.as_view(),
        name="api-cancellation-create",
    ),
    path(
        "cancellations/<int:request_id>/complete/",
        apis.CancellationCompleteApi.as_view(),
        name="api-cancellation-complete",
    ),
    path("deals/<int:deal_id>/payments/", apis.PaymentCreateApi.as_view(), name="api-payment-create"),
    path("deals/<int:deal_id>/ledger/", apis.DealLedgerApi.as_view(), name="api-deal-ledger"),
    path("payments/<int:record_id>/reverse/", apis.PaymentReverseApi.as_view(), name="api-payment-reverse"),
    path("deals/<int:deal_id>/mortgage/", apis.MortgageStartApi.as_view(), name="api-mortgage-start"),
    path(
        "mortgages/<int:mortgage_id>/advance/", apis.MortgageAdvanceApi.as_view(), name="api-mortgage-advance"
    ),
    path(
        "sites/<int:site_id>/commission-statement/",
        apis.CommissionStatementApi.as_view(),
        name="api-commission-statement",
    ),
]
