from django.urls import path

from salesoffice.core import apis, views

urlpatterns = [
    path("messages/", views.messages_page, name="messages"),
    path("site/switch/", views.switch_site, name="site-switch"),
    path("policy/", views.policy, name="policy"),
    path("audit/", views.audit_list, name="audit-list"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="token-revoke"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
]

api_urlpatterns = [
    path("me/", apis.MeApi.as_view(), name="api-me"),
    path("sites/<int:site_id>/policy/", apis.PolicyApi.as_view(), name="api-policy"),
    path("sites/<int:site_id>/audit/", apis.AuditListApi.as_view(), name="api-audit"),
    path("tokens/<int:pk>/revoke/", apis.TokenRevokeApi.as_view(), name="api-token-revoke"),
]
