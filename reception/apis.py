"""REST endpoints of the reception rota: one endpoint per verb (STYLE 4), each with its own small
input and output serializers, each calling one service. Another site's rota or reception is
"not found" (404), a forbidden action 403, bad input 400 with field messages (SEC-07)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Gender, Level, Registration, Source
from customers.selectors import customer_get
from reception import selectors, services
from reception.models import Reception, ShiftLog
from reception.rota import FinishOutcome, Status, WalkInType
from reception.simulation import SimulationError, simulate
from salesoffice.core import access
from salesoffice.core.exceptions import DomainError
from salesoffice.core.fields import validate_person_name
from salesoffice.core.models import ApiToken, Site
from salesoffice.core.roles import Cap
from salesoffice.core.services import policy_current


def rota_site(user: Any, site_id: int) -> Site:
    """The site, when the user may see its rota: 404 for another site, 403 without a rota role."""
    site = access.site_get_for_user(user, site_id)
    if not (access.can(user, site.pk, Cap.ROTA_OWN_STATUS) or access.can(user, site.pk, Cap.ROTA_ADJUST)):
        raise PermissionDenied
    return site


def staff_field(site: Site, value: Any, field: str) -> Any:
    """A rota staff member of ``site`` named by an input field, or a 400 naming the field."""
    if value is None:
        return None
    user = selectors.rota_staff_get(site=site, user_id=value)
    if user is None:
        raise serializers.ValidationError({field: [_("Not a salesperson of this site.")]})
    return user


class RotaOutputSerializer(serializers.Serializer):
    """ROTA-01 board as JSON: queue head first, with everybody's status and counters."""

    class MemberSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="user_id")
        name = serializers.CharField()
        status = serializers.CharField()
        since = serializers.DateTimeField(allow_null=True)
        position = serializers.IntegerField(allow_null=True)
        turns = serializers.IntegerField()
        tokens = serializers.IntegerField()
        up_next = serializers.BooleanField()
        second = serializers.BooleanField()
        duty_assistant = serializers.BooleanField()
        phone_duty = serializers.BooleanField()
        walk_in = serializers.IntegerField(allow_null=True)
        walk_in_type = serializers.CharField(allow_null=True)

    class WaitingSerializer(serializers.Serializer):
        number = serializers.IntegerField()
        type = serializers.CharField()
        arrived_at = serializers.DateTimeField(allow_null=True)
        waiting_seconds = serializers.SerializerMethodField()

        def get_waiting_seconds(self, item: selectors.BoardWaiting) -> int:
            return int(item.waited.total_seconds())

    site = serializers.IntegerField(source="site.pk")
    date = serializers.DateField()
    queue = MemberSerializer(many=True, source="rows")
    signed_out = MemberSerializer(many=True)
    up_next = serializers.IntegerField(source="up_next.user_id", allow_null=True, default=None)
    second = serializers.IntegerField(source="second.user_id", allow_null=True, default=None)
    duty_assistant = serializers.IntegerField(source="duty_assistant.user_id", allow_null=True, default=None)
    phone_duty = serializers.SerializerMethodField()
    waiting = WaitingSerializer(many=True)
    walk_ins = serializers.IntegerField()
    turns = serializers.IntegerField()
    policy_version = serializers.IntegerField()

    def get_phone_duty(self, board: selectors.Board) -> list[int]:
        return [row.user_id for row in board.phone_duty]


def board_response(site: Site, code: int = status.HTTP_200_OK) -> Response:
    return Response(RotaOutputSerializer(selectors.rota_board(site=site)).data, status=code)


class RotaApi(APIView):
    """GET today's rota of a site (ROTA-01, ROTA-04, ROTA-06)."""

    @extend_schema(responses=RotaOutputSerializer)
    def get(self, request: Request, site_id: int) -> Response:
        return board_response(rota_site(request.user, site_id))


class RotaSignInApi(APIView):
    class InputSerializer(serializers.Serializer):
        salesperson = serializers.IntegerField(
            required=False, help_text="Another salesperson (manager only)."
        )
        reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    @extend_schema(
        request=InputSerializer, responses=RotaOutputSerializer, summary="Sign in to today's rota (ROTA-01)"
    )
    def post(self, request: Request, site_id: int) -> Response:
        site = rota_site(request.user, site_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        salesperson = staff_field(site, data.validated_data.get("salesperson"), "salesperson")
        services.rota_sign_in(
            site=site, actor=request.user, salesperson=salesperson, reason=data.validated_data["reason"]
        )
        return board_response(site)


class RotaSignOutApi(APIView):
    class InputSerializer(serializers.Serializer):
        salesperson = serializers.IntegerField(required=False)
        reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    @extend_schema(request=InputSerializer, responses=RotaOutputSerializer, summary="Sign out (ROTA-01)")
    def post(self, request: Request, site_id: int) -> Response:
        site = rota_site(request.user, site_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        salesperson = staff_field(site, data.validated_data.get("salesperson"), "salesperson")
        services.rota_sign_out(
            site=site, actor=request.user, salesperson=salesperson, reason=data.validated_data["reason"]
        )
        return board_response(site)


class RotaStatusApi(APIView):
    class InputSerializer(serializers.Serializer):
        salesperson = serializers.IntegerField(required=False, help_text="Default: yourself.")
        status = serializers.ChoiceField(
            choices=[Status.AVAILABLE, Status.WITH_OWN_CUSTOMER, Status.ON_ASSIGNMENT, Status.ON_BREAK]
        )
        reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    @extend_schema(
        request=InputSerializer, responses=RotaOutputSerializer, summary="Change a status (ROTA-01)"
    )
    def post(self, request: Request, site_id: int) -> Response:
        site = rota_site(request.user, site_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        salesperson = staff_field(site, data.validated_data.get("salesperson"), "salesperson") or request.user
        services.rota_status_change(
            site=site,
            actor=request.user,
            salesperson=salesperson,
            status=data.validated_data["status"],
            reason=data.validated_data["reason"],
        )
        return board_response(site)


class ReceptionOutputSerializer(serializers.ModelSerializer[Reception]):
    class Meta:
        model = Reception
        fields = [
            "id", "number", "type", "receiver", "for_owner", "named", "counted", "arrived_at", "started_at",
            "ended_at", "outcome", "customer", "registration",
        ]  # fmt: skip


class RotaWalkInApi(APIView):
    class InputSerializer(serializers.Serializer):
        type = serializers.ChoiceField(choices=[kind.value for kind in WalkInType])
        customer = serializers.IntegerField(required=False, help_text="The customer found by the lookup.")
        named = serializers.IntegerField(required=False)
        owner = serializers.IntegerField(required=False)
        delegate = serializers.IntegerField(required=False)
        assigned_to = serializers.IntegerField(required=False)
        receiver = serializers.IntegerField(required=False, help_text="Tour groups: the arranged host.")
        refused_by = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
        reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    class OutputSerializer(serializers.Serializer):
        reception = ReceptionOutputSerializer()
        receiver = serializers.IntegerField(source="receiver_id", allow_null=True)
        counted = serializers.BooleanField(source="outcome.counted")
        waiting = serializers.BooleanField()
        skipped = serializers.SerializerMethodField()
        rules = serializers.ListField(child=serializers.CharField(), source="outcome.rules")

        def get_skipped(self, result: services.WalkInResult) -> list[dict[str, str]]:
            return [
                {"who": skip.who, "reason": skip.reason.value, "outcome": skip.outcome.value}
                for skip in result.outcome.skipped
            ]

    @extend_schema(
        request=InputSerializer, responses={201: OutputSerializer}, summary="A walk-in arrives (ROTA-02)"
    )
    def post(self, request: Request, site_id: int) -> Response:
        site = rota_site(request.user, site_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = None
        if "customer" in values:
            customer = customer_get(user=request.user, site=site, customer_id=values["customer"])
        result = services.rota_walk_in(
            site=site,
            actor=request.user,
            type=values["type"],
            customer=customer,
            named=staff_field(site, values.get("named"), "named"),
            owner=staff_field(site, values.get("owner"), "owner"),
            delegate=staff_field(site, values.get("delegate"), "delegate"),
            assigned_to=staff_field(site, values.get("assigned_to"), "assigned_to"),
            receiver=staff_field(site, values.get("receiver"), "receiver"),
            refused_by=[staff_field(site, value, "refused_by") for value in values["refused_by"]],
            reason=values["reason"],
        )
        return Response(self.OutputSerializer(result).data, status=status.HTTP_201_CREATED)


class ReceptionFinishApi(APIView):
    class InputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=[outcome.value for outcome in FinishOutcome])
        registration = serializers.IntegerField(required=False)
        reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    @extend_schema(
        request=InputSerializer, responses=ReceptionOutputSerializer, summary="End a reception (ROTA-05)"
    )
    def post(self, request: Request, site_id: int, pk: int) -> Response:
        site = rota_site(request.user, site_id)
        reception = selectors.reception_get(site=site, reception_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = None
        if "registration" in data.validated_data:
            registration = Registration.objects.filter(
                site=site, pk=data.validated_data["registration"]
            ).first()
            if registration is None:
                raise serializers.ValidationError({"registration": [_("Unknown registration.")]})
        reception = services.rota_finish(
            site=site,
            actor=request.user,
            reception=reception,
            outcome=data.validated_data["outcome"],
            registration=registration,
            reason=data.validated_data["reason"],
        )
        return Response(ReceptionOutputSerializer(reception).data)


class ReceptionTransferApi(APIView):
    class InputSerializer(serializers.Serializer):
        to = serializers.IntegerField()
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        request=InputSerializer,
        responses=ReceptionOutputSerializer,
        summary="Transfer a reception (manager, ROTA-05)",
    )
    def post(self, request: Request, site_id: int, pk: int) -> Response:
        site = rota_site(request.user, site_id)
        reception = selectors.reception_get(site=site, reception_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reception = services.rota_transfer(
            site=site,
            actor=request.user,
            reception=reception,
            target=staff_field(site, data.validated_data["to"], "to"),
            reason=data.validated_data["reason"],
        )
        return Response(ReceptionOutputSerializer(reception).data)


class ReceptionRegisterApi(APIView):
    """ROTA-05 + REG-01: register the visit and end the reception, in one transaction."""

    class InputSerializer(serializers.Serializer):
        customer = serializers.IntegerField(required=False)
        name = serializers.CharField(max_length=50, validators=[validate_person_name])
        gender = serializers.ChoiceField(choices=Gender.choices)
        phones = serializers.ListField(child=serializers.CharField(max_length=30), max_length=5)
        needs = serializers.DictField(required=False, default=dict)
        level = serializers.ChoiceField(choices=Level.choices)
        source = serializers.ChoiceField(choices=Source.choices)  # type: ignore[assignment]  # the REG-01 field name
        notice_version = serializers.CharField(max_length=16)
        said_first_visit = serializers.BooleanField(required=False, allow_null=True, default=None)
        note = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)

    class OutputSerializer(serializers.Serializer):
        registration = serializers.IntegerField(source="pk")
        number = serializers.IntegerField()
        customer = serializers.IntegerField(source="customer_id")
        complete = serializers.BooleanField()

    @extend_schema(
        request=InputSerializer, responses={201: OutputSerializer}, summary="Register and end (ROTA-05)"
    )
    def post(self, request: Request, site_id: int, pk: int) -> Response:
        site = rota_site(request.user, site_id)
        reception = selectors.reception_get(site=site, reception_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        registration = services.reception_register(
            site=site,
            actor=request.user,
            reception=reception,
            customer_id=values.get("customer"),
            name=values["name"],
            gender=values["gender"],
            phones=values["phones"],
            needs=values["needs"],
            level=values["level"],
            source=values["source"],
            notice_version=values["notice_version"],
            said_first_visit=values["said_first_visit"],
            note=values["note"],
        )
        return Response(self.OutputSerializer(registration).data, status=status.HTTP_201_CREATED)


class RotaReorderApi(APIView):
    class InputSerializer(serializers.Serializer):
        order = serializers.ListField(child=serializers.IntegerField(), min_length=1)
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        request=InputSerializer, responses=RotaOutputSerializer, summary="Reorder the queue (ROTA-05)"
    )
    def post(self, request: Request, site_id: int) -> Response:
        site = rota_site(request.user, site_id)
        access.require(request.user, site.pk, Cap.ROTA_ADJUST)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = [staff_field(site, value, "order") for value in data.validated_data["order"]]
        services.rota_reorder(
            site=site, actor=request.user, order=order, reason=data.validated_data["reason"]
        )
        return board_response(site)


class ShiftLogSerializer(serializers.ModelSerializer[ShiftLog]):
    outgoing_name = serializers.CharField(source="outgoing.__str__", read_only=True)
    incoming_name = serializers.CharField(source="incoming.__str__", read_only=True, default=None)

    class Meta:
        model = ShiftLog
        fields = [
            "id", "outgoing", "outgoing_name", "text", "pending", "created_at", "incoming", "incoming_name",
            "status", "refusal_reason", "answered_at", "reviewed_by", "reviewed_at",
        ]  # fmt: skip


class ShiftLogApi(APIView):
    """ROTA-08: GET the site's shift log (latest first); POST a handover entry."""

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=5000)
        pending = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)

    @extend_schema(responses=ShiftLogSerializer(many=True))
    def get(self, request: Request, site_id: int) -> Response:
        site = rota_site(request.user, site_id)
        entries = selectors.shift_log_list(site=site)[:100]
        return Response(ShiftLogSerializer(entries, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: ShiftLogSerializer})
    def post(self, request: Request, site_id: int) -> Response:
        site = rota_site(request.user, site_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.shift_log_create(site=site, actor=request.user, **data.validated_data)
        return Response(ShiftLogSerializer(entry).data, status=status.HTTP_201_CREATED)


class ShiftLogAnswerApi(APIView):
    """ROTA-08: the incoming person confirms (``confirm``) or refuses (``refuse``, with a reason)."""

    confirm = True

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)

    @extend_schema(request=InputSerializer, responses=ShiftLogSerializer)
    def post(self, request: Request, site_id: int, pk: int) -> Response:
        site = rota_site(request.user, site_id)
        entry = selectors.shift_log_get(site=site, entry_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.shift_log_answer(
            site=site,
            actor=request.user,
            entry=entry,
            confirm=self.confirm,
            reason=data.validated_data["reason"],
        )
        return Response(ShiftLogSerializer(entry).data)


class ShiftLogRefuseApi(ShiftLogAnswerApi):
    confirm = False


class ShiftLogReviewApi(APIView):
    @extend_schema(request=None, responses=ShiftLogSerializer, summary="Manager's review (ROTA-08)")
    def post(self, request: Request, site_id: int, pk: int) -> Response:
        site = rota_site(request.user, site_id)
        entry = selectors.shift_log_get(site=site, entry_id=pk)
        entry = services.shift_log_review(site=site, actor=request.user, entry=entry)
        return Response(ShiftLogSerializer(entry).data)


_SIMULATE_EXAMPLE = {
    "site": 1,
    "policy": {"makeup_with_own_customer": "each"},
    "queue": ["A", "B", "C", "D"],
    "events": [
        {"kind": "status", "who": "A", "status": "on_break"},
        {"kind": "walk_in", "type": "new", "stays": True},
        {"kind": "walk_in", "type": "designated", "named": "C"},
        {"kind": "walk_in", "type": "returning", "owner": "B"},
        {"kind": "finish", "who": "B"},
        {"kind": "walk_in", "type": "non_customer"},
    ],
}


class RotaSimulateApi(APIView):
    """ROTA-10: a what-if over the rota, stored nowhere. Site manager role, or a read-write token
    of the site. The site's current policy is the base the request's ``policy`` overrides."""

    @extend_schema(
        request=inline_serializer(
            "RotaSimulationRequest",
            {
                "site": serializers.IntegerField(),
                "policy": serializers.DictField(required=False),
                "queue": serializers.ListField(child=serializers.CharField()),
                "events": serializers.ListField(child=serializers.DictField()),
            },
        ),
        responses=inline_serializer(
            "RotaSimulationResponse",
            {
                "events": serializers.ListField(child=serializers.DictField()),
                "queue": serializers.ListField(child=serializers.CharField()),
                "turns": serializers.DictField(child=serializers.IntegerField()),
                "tokens": serializers.DictField(child=serializers.IntegerField()),
                "waiting": serializers.ListField(child=serializers.IntegerField()),
            },
        ),
        examples=[OpenApiExample("The specification's example", value=_SIMULATE_EXAMPLE, request_only=True)],
        summary="Simulate the rota (ROTA-10)",
    )
    def post(self, request: Request) -> Response:
        data = request.data
        site_id = data.get("site") if isinstance(data, dict) else None
        base = None
        if isinstance(site_id, int) and not isinstance(site_id, bool) and site_id > 0:
            access.require_site(request.user, site_id)
            token = request.auth
            writes_for_site = (
                isinstance(token, ApiToken)
                and token.scope == ApiToken.Scope.WRITE
                and token.site_id == site_id
            )
            if not (access.is_manager(request.user, site_id) or writes_for_site):
                raise PermissionDenied
            base, _version = policy_current(site=site_id)
        try:
            return Response(simulate(data, base=base))
        except SimulationError as error:
            fields = {path or "non_field_errors": [message] for path, message in error.errors.items()}
            raise DomainError(
                _("Please correct the marked fields."), code="invalid_simulation", fields=fields
            ) from error
