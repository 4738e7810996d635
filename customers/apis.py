"""REST endpoints of the counter and the customer file: one endpoint per business verb."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import selectors, services
from customers.models import FollowUp, Gender, Level, Registration, Relation, Source
from customers.ownership import DECISION_KINDS
from customers.services.registrations import registration_correct
from customers.services.verdicts import site_zone
from customers.simulation import SimulationError, simulate
from salesoffice.core import access, fields
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.fields import validate_person_name
from salesoffice.core.models import ApiToken
from salesoffice.core.roles import Cap
from salesoffice.core.services import policy_current


class LookupResultSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text="Masked (138****5678) unless the caller may see it in full.")
    owner_id = serializers.IntegerField(allow_null=True)
    owner_name = serializers.CharField()
    protected_until = serializers.DateField(allow_null=True)
    public_pool = serializers.BooleanField()
    is_owner = serializers.BooleanField()
    rules = serializers.ListField(child=serializers.CharField())
    level = serializers.CharField()
    status = serializers.CharField()


def _verdict_data(user: Any, customer: Any) -> dict[str, Any]:
    return dataclasses.asdict(selectors.lookup_result(user, customer))


class CustomerLookupApi(APIView):
    """CUS-03: the counter lookup by full phone, last 4 digits, name or pinyin initials."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)], responses=LookupResultSerializer(many=True)
    )
    def get(self, request: Request, site_id: int) -> Response:
        site = access.site_get_for_user(request.user, site_id)
        results = selectors.customer_lookup(
            user=request.user, site=site, query=request.query_params.get("q", "")
        )
        return Response(
            LookupResultSerializer([dataclasses.asdict(result) for result in results], many=True).data
        )


class RegistrationInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Registration.Kind.choices)
    contact_at = fields.DateTimeField()
    customer_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=50, validators=[validate_person_name])
    gender = serializers.ChoiceField(choices=Gender.choices)
    phones = serializers.ListField(child=serializers.CharField(max_length=30), max_length=5)
    needs = serializers.DictField(required=False, default=dict)
    level = serializers.ChoiceField(choices=Level.choices, default=Level.C)
    # DRF's metaclass lifts declared fields off the class, so this does not shadow Field.source.
    source = serializers.ChoiceField(choices=Source.choices)  # type: ignore[assignment]
    named_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    said_first_visit = serializers.BooleanField(required=False, allow_null=True, default=None)
    owner_present = serializers.BooleanField(required=False, allow_null=True, default=None)
    declined_former = serializers.BooleanField(required=False, default=False)
    standin = serializers.BooleanField(required=False, default=False)
    appointment_entered = serializers.BooleanField(required=False, default=False)
    brought_by_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="CHAN-04: the channel agent who brought them.",
    )
    informed = serializers.BooleanField(help_text="SEC-06: the customer was told how their data is used.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate_informed(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Tell the customer how their data is used, then tick the box.")
            )
        return value


class RegistrationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    complete = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())
    late = serializers.BooleanField()
    verdict = LookupResultSerializer()


class RegistrationCreateApi(APIView):
    """REG-01..06: register a visit or a call; the answer carries the ownership verdict."""

    @extend_schema(request=RegistrationInputSerializer, responses={201: RegistrationOutputSerializer})
    def post(self, request: Request, site_id: int) -> Response:
        site = access.site_get_for_user(request.user, site_id)
        payload = RegistrationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.pop("informed")
        registration = services.registration_create(site=site, actor=request.user, **data)
        # The customer comes back from the service with its new verdict: it is not read again (P3).
        customer = registration.customer
        if customer.anonymised_at is not None:
            raise Http404  # SEC-06: as ``customer_get_for_user`` treats an anonymised customer
        if customer.owner_id == registration.salesperson_id:
            customer.owner = registration.salesperson  # the receiver, in hand: not read again
        body = {
            "id": registration.pk,
            "number": registration.number,
            "customer_id": registration.customer_id,
            "complete": registration.complete,
            "missing": registration.missing,
            "late": registration.late,
            "verdict": dataclasses.asdict(selectors.lookup_result(request.user, customer)),
        }
        return Response(RegistrationOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class CustomerDetailApi(APIView):
    """CUS-04: the customer as the caller may see it (SEC-02 masking on the server)."""

    class CustomerOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        site = serializers.IntegerField()
        name = serializers.CharField()
        phones = serializers.ListField(child=serializers.CharField())
        gender = serializers.CharField()
        level = serializers.CharField()
        status = serializers.CharField()
        personality_type = serializers.CharField()
        verdict = LookupResultSerializer()
        verdict_history = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses=CustomerOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        customer = selectors.customer_get_for_user(user=request.user, customer_id=pk)
        file = selectors.customer_file(user=request.user, customer=customer)
        body = {
            "id": customer.pk,
            "site": customer.site_id,
            "name": file.name,
            "phones": file.phones,
            "gender": customer.gender,
            "level": customer.level,
            "status": customer.status,
            "personality_type": customer.personality_type,
            "verdict": _verdict_data(request.user, customer),
            "verdict_history": [
                {
                    "owner": verdict.owner.get_full_name() if verdict.owner else None,
                    "protected_until": verdict.protected_until,
                    "rules": verdict.rules,
                    "cause": verdict.cause,
                    "policy_version": verdict.policy_version,
                    "decided_at": verdict.decided_at,
                }
                for verdict in file.verdicts
            ],
        }
        return Response(self.CustomerOutputSerializer(body).data)


class FollowUpCreateApi(APIView):
    """FUP-03: record a follow-up; a reached one renews protection (OWN-04)."""

    class FollowUpInputSerializer(serializers.Serializer):
        at = fields.DateTimeField()
        method = serializers.ChoiceField(choices=FollowUp.Method.choices)
        reached = serializers.BooleanField()
        content = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
        result = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
        level = serializers.ChoiceField(choices=Level.choices, required=False, allow_null=True, default=None)
        next_step = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
        next_date = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(request=FollowUpInputSerializer, responses={201: LookupResultSerializer})
    def post(self, request: Request, pk: int) -> Response:
        customer = selectors.customer_get_for_user(user=request.user, customer_id=pk)
        payload = self.FollowUpInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.follow_up_record(customer=customer, actor=request.user, **payload.validated_data)
        customer.refresh_from_db()
        return Response(_verdict_data(request.user, customer), status=status.HTTP_201_CREATED)


class RelationCreateApi(APIView):
    """CUS-02: link two customers of one site (spouse, parent, …); re-decides ownership (OWN-07)."""

    class RelationInputSerializer(serializers.Serializer):
        other_id = serializers.IntegerField()
        relation = serializers.ChoiceField(
            choices=Relation.Kind.choices, help_text="What the other is to this one."
        )

    @extend_schema(request=RelationInputSerializer, responses={201: LookupResultSerializer})
    def post(self, request: Request, pk: int) -> Response:
        customer = selectors.customer_get_for_user(user=request.user, customer_id=pk)
        payload = self.RelationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        other = selectors.customer_get_for_user(
            user=request.user, customer_id=payload.validated_data["other_id"]
        )
        if not (
            selectors.may_read_records(request.user, customer)
            or access.is_manager(request.user, customer.site_id)
        ):
            raise NotAllowed(_("Only the owner or the site manager links this customer."))
        services.relation_link(
            a=customer, b=other, kind=payload.validated_data["relation"], actor=request.user
        )
        customer.refresh_from_db()
        return Response(_verdict_data(request.user, customer), status=status.HTTP_201_CREATED)


class DisputeOpenApi(APIView):
    """DISP-01: object to a customer's ownership within the window."""

    class DisputeInputSerializer(serializers.Serializer):
        claim = serializers.CharField(max_length=2000)

    class DisputeOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.CharField()

    @extend_schema(request=DisputeInputSerializer, responses={201: DisputeOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        customer = selectors.customer_get_for_user(user=request.user, customer_id=pk)
        payload = self.DisputeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dispute = services.dispute_open(
            customer=customer, actor=request.user, claim=payload.validated_data["claim"]
        )
        return Response({"id": dispute.pk, "status": dispute.status}, status=status.HTTP_201_CREATED)


class SharesField(serializers.DictField):
    child = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, max_value=100)


class DecisionInputSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    performance = SharesField(required=False, allow_null=True, default=None)
    commission = SharesField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=2000)


class DisputeDecideApi(APIView):
    """DISP-02: the site manager decides owner and shares with a written reason."""

    @extend_schema(request=DecisionInputSerializer, responses={200: LookupResultSerializer})
    def post(self, request: Request, pk: int) -> Response:
        dispute = selectors.dispute_get(user=request.user, dispute_id=pk)
        payload = DecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.dispute_decide(
            dispute=dispute, actor=request.user, **_shares_as_labels(payload.validated_data)
        )
        customer = selectors.customer_get_for_user(user=request.user, customer_id=dispute.customer_id)
        return Response(_verdict_data(request.user, customer))


class DecisionCreateApi(APIView):
    """The site manager's decisions named by the OWN rules (pool distribution, reassignment, …)."""

    class KindDecisionInputSerializer(DecisionInputSerializer):
        kind = serializers.ChoiceField(choices=[(kind, kind) for kind in DECISION_KINDS])
        party_id = serializers.IntegerField(required=False, allow_null=True, default=None)
        until = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(request=KindDecisionInputSerializer, responses={201: LookupResultSerializer})
    def post(self, request: Request, pk: int) -> Response:
        customer = selectors.customer_get_for_user(user=request.user, customer_id=pk)
        payload = self.KindDecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.decision_record(
            customer=customer, actor=request.user, **_shares_as_labels(payload.validated_data)
        )
        customer.refresh_from_db()
        return Response(_verdict_data(request.user, customer), status=status.HTTP_201_CREATED)


def _shares_as_labels(data: dict[str, Any]) -> dict[str, Any]:
    """Shares arrive keyed by user id; the engine's labels are ids as text, its values strings."""
    result = dict(data)
    for name in ("performance", "commission"):
        if result.get(name) is not None:
            result[name] = {str(label): str(share) for label, share in result[name].items()}
    return result


class OwnershipSimulateApi(APIView):
    """OWN-19 (b): a what-if over facts that are not stored; nothing is written.

    Site manager role, or a read-write token of the site. The request and response are the public
    contract given in the specification."""

    @extend_schema(request=dict, responses=dict)
    def post(self, request: Request) -> Response:
        site_id = request.data.get("site") if isinstance(request.data, dict) else None
        site = access.site_get_for_user(request.user, site_id)
        token = request.auth
        if isinstance(token, ApiToken):
            if token.scope != ApiToken.Scope.WRITE:
                raise NotAllowed(_("This endpoint needs a read-write token."))
        else:
            access.require(request.user, site.pk, Cap.POLICY_UPDATE)
        policy, _version = policy_current(site=site)
        try:
            body = simulate(request.data, base_policy=policy, tz=site_zone(site))
        except SimulationError as error:
            raise DomainError(
                _("The request has invalid fields."), code="invalid_simulation", fields=dict(error.errors)
            ) from error
        return Response(body)


class RegistrationCorrectApi(APIView):
    """SEC-05/REG-04: correct a registration by a new one that points at it, with a reason."""

    class CorrectionInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=50, required=False, validators=[validate_person_name])
        gender = serializers.ChoiceField(choices=Gender.choices, required=False)
        phones = serializers.ListField(
            child=serializers.CharField(max_length=30), max_length=5, required=False
        )
        needs = serializers.DictField(required=False)
        level = serializers.ChoiceField(choices=Level.choices, required=False)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        reason = serializers.CharField(max_length=2000)

    @extend_schema(request=CorrectionInputSerializer, responses={201: RegistrationOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        original = selectors.registration_get_for_user(user=request.user, registration_id=pk)
        payload = self.CorrectionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        reason = changes.pop("reason")
        correction = registration_correct(
            original=original, actor=request.user, changes=changes, reason=reason
        )
        customer = selectors.customer_get_for_user(user=request.user, customer_id=correction.customer_id)
        body = {
            "id": correction.pk,
            "number": correction.number,
            "customer_id": correction.customer_id,
            "complete": correction.complete,
            "missing": correction.missing,
            "late": correction.late,
            "verdict": _verdict_data(request.user, customer),
        }
        return Response(RegistrationOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class HouseholdJoinApi(APIView):
    """CUS-02: group customers who buy together into one household."""

    class HouseholdInputSerializer(serializers.Serializer):
        customer_ids = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=10)
        name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    class HouseholdOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        members = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(request=HouseholdInputSerializer, responses={201: HouseholdOutputSerializer})
    def post(self, request: Request) -> Response:
        payload = self.HouseholdInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customers = [
            selectors.customer_get_for_user(user=request.user, customer_id=pk)
            for pk in dict.fromkeys(payload.validated_data["customer_ids"])
        ]
        household = services.household_join(
            customers=customers, actor=request.user, name=payload.validated_data["name"]
        )
        members = list(household.members.values_list("pk", flat=True))
        return Response(
            {"id": household.pk, "name": household.name, "members": members}, status=status.HTTP_201_CREATED
        )
