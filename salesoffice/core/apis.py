"""Kernel REST endpoints: who am I, the site policy (export/import), the audit trail, tokens."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from salesoffice.core import access, selectors
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import ApiToken, AuditEvent, User
from salesoffice.core.policy import PolicyError
from salesoffice.core.roles import Cap
from salesoffice.core.services import policy_current, policy_update, token_revoke


class MeApi(APIView):
    class MeOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        name = serializers.CharField()
        sites = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        assert isinstance(user, User)
        sites = {str(site_id): sorted(roles) for site_id, roles in access.roles_by_site(user).items()}
        data = {"id": user.pk, "username": user.get_username(), "name": user.get_full_name(), "sites": sites}
        return Response(self.MeOutputSerializer(data).data)


class PolicyApi(APIView):
    """GET: the site's current policy as JSON (export). PUT: import a policy (site manager),
    validated field by field; unknown fields are refused with their names."""

    class PolicyInputSerializer(serializers.Serializer):
        policy = serializers.DictField()
        reason = serializers.CharField(max_length=500)

    class PolicyOutputSerializer(serializers.Serializer):
        site = serializers.IntegerField()
        version = serializers.IntegerField()
        policy = serializers.DictField()

    @extend_schema(responses=PolicyOutputSerializer)
    def get(self, request: Request, site_id: int) -> Response:
        access.require(request.user, site_id, Cap.POLICY_READ)
        policy, version = policy_current(site=site_id)
        return Response({"site": site_id, "version": version, "policy": policy.to_json()})

    @extend_schema(request=PolicyInputSerializer, responses=PolicyOutputSerializer)
    def put(self, request: Request, site_id: int) -> Response:
        site = access.site_get_for_user(request.user, site_id)
        access.require(request.user, site.pk, Cap.POLICY_UPDATE)
        payload = self.PolicyInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            saved = policy_update(
                site=site,
                actor=request.user,
                changes=payload.validated_data["policy"],
                reason=payload.validated_data["reason"],
            )
        except PolicyError as error:
            raise policy_error_as_domain(error) from error
        return Response(
            {"site": site.pk, "version": saved.version, "policy": saved.data}, status=status.HTTP_200_OK
        )


def policy_error_as_domain(error: PolicyError) -> DomainError:
    fields = {f"policy.{name}": [message] for name, (_code, message) in error.errors.items()}
    return DomainError(_("The policy has invalid fields."), code="invalid_policy", fields=fields)


class AuditListApi(ListAPIView[AuditEvent]):
    class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
        actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

        class Meta:
            model = AuditEvent
            fields = [
                "id", "occurred_at", "actor", "action", "object_type", "object_id", "before", "after",
                "reason", "request_id",
            ]  # fmt: skip

    serializer_class = AuditEventSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        site = access.site_get_for_user(self.request.user, self.kwargs["site_id"])
        return selectors.audit_list(
            user=self.request.user, site=site, action=self.request.query_params.get("action", "")
        )


class TokenRevokeApi(APIView):
    """Revoke one of the caller's own tokens, or any token of a site the caller manages."""

    @extend_schema(
        request=None, responses=inline_serializer("TokenRevoked", {"revoked": serializers.BooleanField()})
    )
    def post(self, request: Request, pk: int) -> Response:
        token = ApiToken.objects.filter(pk=pk).first()
        if token is None or (
            token.user_id != request.user.pk and not access.is_manager(request.user, token.site_id)
        ):
            raise Http404
        token_revoke(token=token, actor=request.user)
        return Response({"revoked": True})
