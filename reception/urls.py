"""Pages (``urlpatterns``, mounted at /reception/) and REST endpoints (``api_urlpatterns``,
mounted under /api/v1/)."""

from django.urls import path

from reception import apis, views

urlpatterns = [
    path("plan/", views.plan, name="reception-plan"),
    path("", views.board, name="reception-board"),
    path("board/fragment/", views.board_fragment, name="reception-board-fragment"),
    path("wall/", views.wall, name="reception-wall"),
    path("status/", views.my_status, name="reception-my-status"),
    path("counter/", views.counter, name="reception-counter"),
    path("counter/lookup/", views.counter_lookup, name="reception-counter-lookup"),
    path("counter/walk-in/", views.counter_walk_in, name="reception-counter-walk-in"),
    path("receptions/<int:pk>/", views.reception_detail, name="reception-detail"),
    path("receptions/<int:pk>/finish/", views.reception_finish, name="reception-finish"),
    path("receptions/<int:pk>/register/", views.reception_register, name="reception-register"),
    path("manage/", views.manage, name="reception-manage"),
    path("manage/action/", views.manage_action, name="reception-manage-action"),
    path("shift-log/", views.shift_log, name="reception-shift-log"),
    path("shift-log/<int:pk>/answer/", views.shift_log_answer, name="reception-shift-log-answer"),
    path("shift-log/<int:pk>/review/", views.shift_log_review, name="reception-shift-log-review"),
    path("fairness/", views.fairness, name="reception-fairness"),
    path("fairness/pdf/", views.fairness_pdf, name="reception-fairness-pdf"),
    path("replay/", views.replay, name="reception-replay"),
]

api_urlpatterns = [
    path("sites/<int:site_id>/rota/", apis.RotaApi.as_view(), name="api-rota"),
    path("sites/<int:site_id>/rota/sign-in/", apis.RotaSignInApi.as_view(), name="api-rota-sign-in"),
    path("sites/<int:site_id>/rota/sign-out/", apis.RotaSignOutApi.as_view(), name="api-rota-sign-out"),
    path("sites/<int:site_id>/rota/status/", apis.RotaStatusApi.as_view(), name="api-rota-status"),
    path("sites/<int:site_id>/rota/walk-ins/", apis.RotaWalkInApi.as_view(), name="api-rota-walk-in"),
    path("sites/<int:site_id>/rota/reorder/", apis.RotaReorderApi.as_view(), name="api-rota-reorder"),
    path(
        "sites/<int:site_id>/receptions/<int:pk>/finish/",
        apis.ReceptionFinishApi.as_view(),
        name="api-reception-finish",
    ),
    path(
        "sites/<int:site_id>/receptions/<int:pk>/transfer/",
        apis.ReceptionTransferApi.as_view(),
        name="api-reception-transfer",
    ),
    path(
        "sites/<int:site_id>/receptions/<int:pk>/register/",
        apis.ReceptionRegisterApi.as_view(),
        name="api-reception-register",
    ),
    path("sites/<int:site_id>/shift-log/", apis.ShiftLogApi.as_view(), name="api-shift-log"),
    path(
        "sites/<int:site_id>/shift-log/<int:pk>/confirm/",
        apis.ShiftLogAnswerApi.as_view(),
        name="api-shift-log-confirm",
    ),
    path(
        "sites/<int:site_id>/shift-log/<int:pk>/refuse/",
        apis.ShiftLogRefuseApi.as_view(),
        name="api-shift-log-refuse",
    ),
    path(
        "sites/<int:site_id>/shift-log/<int:pk>/review/",
        apis.ShiftLogReviewApi.as_view(),
        name="api-shift-log-review",
    ),
    path("rota/simulate/", apis.RotaSimulateApi.as_view(), name="api-rota-simulate"),
]
