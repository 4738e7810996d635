"""Writes of the shared kernel: policy versions, API tokens, staff deactivation, notifications.

Every function runs in a transaction and records what it did in the audit trail (SEC-03)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from salesoffice.core.audit import audit_record
from salesoffice.core.models import ApiToken, Membership, Notification, Site, SitePolicyVersion, User
from salesoffice.core.policy import Policy, policy_from_json
from salesoffice.core.tokens import token_generate


def policy_current(*, site: Site | int, at: dt.datetime | None = None) -> tuple[Policy, int]:
    """The policy in force at ``at`` (now by default) and its version number (0 = defaults)."""
    site_id = site.pk if isinstance(site, Site) else site
    version = (
        SitePolicyVersion.objects.filter(site_id=site_id, effective_at__lte=at or timezone.now())
        .order_by("-version")
        .only("version", "data")
        .first()
    )
    if version is None:
        return Policy(), 0
    return policy_from_json(version.data), version.version


@transaction.atomic
def policy_update(
    *,
    site: Site,
    actor: Any,
    changes: dict[str, Any],
    reason: str,
    effective_at: dt.datetime | None = None,
) -> SitePolicyVersion:
    """Record a new policy version (policy.md): validated field by field, never rewriting past
    verdicts, effective from ``effective_at`` (now by default). Raises ``PolicyError``."""
    Site.objects.select_for_update().get(pk=site.pk)
    latest = SitePolicyVersion.objects.filter(site=site).order_by("-version").first()
    before = policy_from_json(latest.data) if latest else Policy()
    after = policy_from_json(changes, base=before)
    changed = {name: value for name, value in after.to_json().items() if before.to_json()[name] != value}
    version = SitePolicyVersion.objects.create(
        site=site,
        version=(latest.version if latest else 0) + 1,
        data=after.to_json(),
        reason=reason,
        created_by=actor,
        effective_at=effective_at or timezone.now(),
    )
    audit_record(
        action="policy.update",
        actor=actor,
        site=site,
        obj=version,
        before={name: before.to_json()[name] for name in changed},
        after=changed,
        reason=reason,
    )
    return version


@transaction.atomic
def token_create(*, user: Any, site: Site, name: str, scope: str, actor: Any) -> tuple[ApiToken, str]:
    """Issue a token bound to ``site`` with ``scope``; the full text is returned once only."""
    text, prefix, digest = token_generate()
    token = ApiToken.objects.create(
        user=user, site=site, name=name, scope=scope, prefix=prefix, digest=digest
    )
    audit_record(
        action="token.create", actor=actor, site=site, obj=token, after={"scope": scope, "user": user.pk}
    )
    return token, text


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: Any, reason: str = "") -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="token.revoke", actor=actor, site=token.site_id, obj=token, reason=reason)
    return token


@transaction.atomic
def staff_deactivate(*, user: Any, actor: Any, reason: str) -> None:
    """SEC-04: a leaver loses every session and token at once.

    Inactive users fail Django's session check on their next request; tokens are revoked here.
    Their customers are handed to the manager by the customers app (OWN-09)."""
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    Membership.objects.filter(user=user).update(is_active=False)
    now = timezone.now()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    audit_record(
        action="staff.deactivate", actor=actor, object_type="auth.user", object_id=user.pk, reason=reason
    )


def notify(
    *,
    recipient: Any,
    site: Site | int,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str | None = None,
    email: bool = True,
) -> Notification | None:
    """Send an in-app message (and an e-mail when configured, unless the caller mails its own, e.g.
    with an attachment); with a ``dedupe_key`` a second call sends nothing, so reminder jobs can run
    twice or late (quality.md R4)."""
    site_id = site.pk if isinstance(site, Site) else site
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, site_id=site_id, kind=kind, title=title, body=body, link=link,
                dedupe_key=dedupe_key,
            )  # fmt: skip
    except IntegrityError:
        return None
    if email and settings.EMAIL_ENABLED and recipient.email:
        _mail_on_commit(title, body, recipient.email)
    return notification


def notify_many(messages: list[Notification], *, email: bool = True) -> int:
    """Send many in-app messages at once (set-based reminder jobs, P7), each with a ``dedupe_key``:
    messages whose key was already sent are skipped, so the job can run twice or late (R4).
    Returns how many were sent."""
    keys = [message.dedupe_key for message in messages]
    if None in keys:
        raise ValueError("notify_many needs a dedupe_key on every message")
    fresh = {message.dedupe_key: message for message in messages}
    # A key sent before, or by a run racing this one, keeps its first message (the unique key); only the
    # rows this call wrote (they carry the creation time it stamped) are mailed and counted.
    Notification.objects.bulk_create(fresh.values(), batch_size=1000, ignore_conflicts=True)
    stored = Notification.objects.filter(dedupe_key__in=list(fresh)).values_list("dedupe_key", "created_at")
    written = [fresh[key] for key, created_at in stored if fresh[key].created_at == created_at]
    if email and settings.EMAIL_ENABLED and written:
        recipients = {message.recipient_id for message in written}
        addresses = dict(User.objects.filter(pk__in=recipients).exclude(email="").values_list("pk", "email"))
        for message in written:
            if message.recipient_id in addresses:
                _mail_on_commit(message.title, message.body, addresses[message.recipient_id])
    return len(written)


def _mail_on_commit(title: str, body: str, address: str) -> None:
    transaction.on_commit(
        lambda: send_mail(title, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True)
    )
