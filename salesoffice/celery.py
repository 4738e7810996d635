"""The Celery app: Redis broker, tasks discovered in every app, the beat schedule in settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesoffice.settings")

app = Celery("salesoffice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
