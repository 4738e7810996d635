"""Reports may read from a replica when REPLICA_DATABASE_URL is set (reports.md, scale)."""

from typing import Any

from django.conf import settings


def report_database() -> str:
    """The alias report queries use: ``.using(report_database())``."""
    return "replica" if "replica" in settings.DATABASES else "default"


class ReportReplicaRouter:
    """Writes and ordinary reads stay on the primary; only the primary is migrated."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        return "default"

    def db_for_write(self, model: type, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"
