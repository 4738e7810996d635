from typing import Any

from django.core.management.base import BaseCommand

from salesoffice.core.demo import DEMO_PASSWORD, DEMO_STAFF, demo_load


class Command(BaseCommand):
    help = "Load the demo site, one user per role and some customers (does nothing if loaded)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = demo_load()
        self.stdout.write("Demo data loaded." if created else "Demo data already present.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, (family, given), role, _team in DEMO_STAFF:
            self.stdout.write(f"  {username:<11} {family}{given}  {role.value}")
        self.stdout.write("  admin       administrator (Django admin at /admin/)")
