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
