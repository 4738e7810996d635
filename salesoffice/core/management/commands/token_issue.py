from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from salesoffice.core.models import ApiToken, Site
from salesoffice.core.services import token_create


class Command(BaseCommand):
    help = "Issue an API token bound to a site and a scope; the token is printed once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("site_code")
        parser.add_argument("--scope", choices=[choice.value for choice in ApiToken.Scope], default="read")
        parser.add_argument("--name", default="report client")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        site = Site.objects.filter(code=options["site_code"]).first()
        if user is None or site is None:
            raise CommandError("Unknown user or site.")
        _token, text = token_create(
            user=user, site=site, name=options["name"], scope=options["scope"], actor=None
        )
        self.stdout.write(text)
