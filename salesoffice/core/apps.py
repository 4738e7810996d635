from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "salesoffice.core"
    label = "core"
    verbose_name = _("Sites and staff")

    def ready(self) -> None:
        # Logins are Django's own events; recording them is the one use of signals here (SEC-03).
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from salesoffice.core import schema  # noqa: F401 - registers the OpenAPI auth extension
        from salesoffice.core.views import record_login, record_login_failed

        user_logged_in.connect(record_login, dispatch_uid="audit-login")
        user_login_failed.connect(record_login_failed, dispatch_uid="audit-login-failed")
