"""Complaints (SVC-05), return visits, questionnaires, survey responses and their follow-ups (SVC-06)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Unit
from handover import rules
from handover.exceptions import HandoverStateConflict
from handover.models import (
    Complaint,
    ComplaintEvent,
    FollowUpTask,
    HandoverRecord,
    Questionnaire,
    ReturnVisit,
    ServiceTarget,
    SurveyResponse,
    WorkOrder,
)
from handover.services.common import (
    local_date,
    managers,
    require_cap,
    require_choice,
    require_text,
    service_staff,
    service_targets,
)
from handover.services.move_in import return_visit_for_handover
from handover.services.work_orders import return_visit_for_order
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.counters import counter_next
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import Site, User
from salesoffice.core.phones import InvalidPhone, normalize_phone
from salesoffice.core.roles import Cap
from salesoffice.core.services import notify

# SVC-05: the steps a complaint may take from each status.
COMPLAINT_STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "acknowledge": ((Complaint.Status.RECEIVED,), Complaint.Status.ACKNOWLEDGED),
    "escalate": ((Complaint.Status.RECEIVED, Complaint.Status.ACKNOWLEDGED, Complaint.Status.REPLIED), Complaint.Status.ESCALATED),
    "reply": ((Complaint.Status.RECEIVED, Complaint.Status.ACKNOWLEDGED, Complaint.Status.ESCALATED), Complaint.Status.REPLIED),
    "close": ((Complaint.Status.REPLIED, Complaint.Status.ESCALATED), Complaint.Status.CLOSED),
}  # fmt: skip
FOLLOW_UP_DAYS = 2
SCORE_RANGE = range(1, 6)


def _complaint_event(
    complaint: Complaint, *, action: str, actor: User | None, at: dt.datetime, note: str = ""
) -> None:
    ComplaintEvent.objects.create(complaint=complaint, action=action, actor=actor, at=at, note=note)


def _tell(users: list[User], *, site_id: int, kind: str, title: str, link: str, key: str) -> None:
    def send() -> None:
        for user in users:
            notify(
                recipient=user, site=site_id, kind=kind, title=title, link=link, dedupe_key=f"{key}:{user.pk}"
            )

    transaction.on_commit(send)


def complaint_create(
    *,
    site: Site,
    actor: User,
    channel: str,
    complainant_name: str,
    content: str,
    complainant_phone: str = "",
    customer: Any = None,
    unit: Unit | None = None,
    about_salesperson: User | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """SVC-05, D-SVC-05: accept every complaint, record its content, time and contact, and set the
    acknowledgement and reply targets (site settings). A complaint about a salesperson is flagged for the
    site manager (OWN-15)."""
    require_cap(actor, site.pk, Cap.SERVICE_MANAGE)
    moment = now or timezone.now()
    require_choice(channel, "channel", Complaint.Channel.values)
    complainant_name = require_text(complainant_name, "complainant_name", max_length=50)
    content = require_text(content, "content", max_length=5000)
    phone = ""
    if complainant_phone.strip():
        try:
            phone = normalize_phone(complainant_phone).e164
        except InvalidPhone as error:
            message = _("Enter a valid phone number.")
            raise DomainError(
                message, code="invalid_phone", fields={"complainant_phone": [message]}
            ) from error
    if unit is not None and unit.site_id != site.pk:
        raise DomainError(_("Unknown unit."), code="wrong_site", fields={"unit": [_("Not found.")]})
    if customer is not None and customer.site_id != site.pk:
        raise DomainError(_("Unknown customer."), code="wrong_site", fields={"customer": [_("Not found.")]})
    if about_salesperson is not None and not access.works_at(about_salesperson.pk, site.pk):
        raise DomainError(
            _("Unknown staff member."), code="wrong_site", fields={"about_salesperson": [_("Not found.")]}
        )
    due = rules.sla_due(
        created_at=moment, priority=ServiceTarget.Kind.COMPLAINT, targets=service_targets(site.pk)
    )
    day = local_date(moment, site.pk)
    with transaction.atomic():
        number = f"{site.code.upper()}-TS-{day:%Y%m%d}-{counter_next(scope=f'complaint:{site.pk}:{day:%Y%m%d}'):04d}"
        complaint = Complaint.objects.create(
            site=site, number=number, channel=channel, customer=customer, unit=unit,
            complainant_name=complainant_name, complainant_phone=phone, about_salesperson=about_salesperson,
            content=content, received_at=moment, received_by=actor, acknowledge_by=due.respond_by,
            reply_by=due.complete_by,
        )  # fmt: skip
        _complaint_event(complaint, action="receive", actor=actor, at=moment, note=content)
        audit_record(
            action="complaint.create", actor=actor, site=site, obj=complaint,
            after={"number": number, "about_salesperson": about_salesperson.pk if about_salesperson else None},
        )  # fmt: skip
        if about_salesperson is not None:
            _tell(
                managers(site.pk), site_id=site.pk, kind="handover.complaint_salesperson",
                title=_("Complaint %(number)s concerns a salesperson (OWN-15)") % {"number": number},
                link=reverse("handover-complaint", args=[complaint.pk]), key=f"handover.complaint_salesperson:{complaint.pk}",
            )  # fmt: skip
    return complaint


def complaint_step(
    *, complaint: Complaint, actor: User, step: str, note: str = "", owner_accepted: bool | None = None,
    now: dt.datetime | None = None,
) -> Complaint:  # fmt: skip
    """SVC-05: acknowledge; escalate to the supervisor (with a reason) when the desk cannot resolve it; reply
    with the written result; close when the owner accepted the result, or after escalation. An owner who
    does not accept the reply escalates the complaint."""
    require_cap(actor, complaint.site_id, Cap.SERVICE_MANAGE)
    require_choice(step, "step", COMPLAINT_STEPS)
    moment = now or timezone.now()
    note = require_text(note, "note", max_length=5000, required=step in ("escalate", "reply"))
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        sources, target = COMPLAINT_STEPS[step]
        if locked.status not in sources:
            raise HandoverStateConflict(
                _("This complaint is %(status)s.") % {"status": locked.get_status_display()}
            )
        source = locked.status
        fields = ["status"]
        if step == "acknowledge":
            locked.acknowledged_at = moment
            fields.append("acknowledged_at")
        elif step == "escalate":
            locked.escalated_at, locked.escalation_reason = moment, note[:500]
            fields += ["escalated_at", "escalation_reason"]
        elif step == "reply":
            locked.result, locked.replied_at = note, moment
            locked.acknowledged_at = locked.acknowledged_at or moment
            fields += ["result", "replied_at", "acknowledged_at"]
        else:
            if owner_accepted is None:
                raise DomainError(
                    _("Record whether the owner accepted the result."),
                    code="required",
                    fields={"owner_accepted": [_("Required.")]},
                )
            locked.owner_accepted = owner_accepted
            fields.append("owner_accepted")
            if not owner_accepted and locked.escalated_at is None:
                # SVC-05: a result the owner does not accept goes to the supervisor instead of closing.
                target = Complaint.Status.ESCALATED
                locked.escalated_at, locked.escalation_reason = moment, note[:500] or "owner did not accept"
                fields += ["escalated_at", "escalation_reason"]
            else:
                locked.closed_at, locked.closed_by = moment, actor
                fields += ["closed_at", "closed_by"]
        locked.status = target
        locked.save(update_fields=fields)
        _complaint_event(locked, action=step, actor=actor, at=moment, note=note)
        audit_record(
            action=f"complaint.{step}", actor=actor, site=locked.site_id, obj=locked,
            before={"status": source}, after={"status": target}, reason=note[:500],
        )  # fmt: skip
        if target == Complaint.Status.ESCALATED:
            _tell(
                managers(locked.site_id), site_id=locked.site_id, kind="handover.complaint_escalated",
                title=_("Complaint %(number)s escalated") % {"number": locked.number},
                link=reverse("handover-complaint", args=[locked.pk]), key=f"handover.complaint_escalated:{locked.pk}:{moment.isoformat()}",
            )  # fmt: skip
    return locked


def complaint_note(
    *, complaint: Complaint, actor: User, note: str, now: dt.datetime | None = None
) -> ComplaintEvent:
    """D-SVC-04: record one communication with the complainant (time and content)."""
    require_cap(actor, complaint.site_id, Cap.SERVICE_MANAGE)
    note = require_text(note, "note", max_length=5000)
    with transaction.atomic():
        event = ComplaintEvent.objects.create(
            complaint=complaint, action="note", actor=actor, at=now or timezone.now(), note=note
        )
        audit_record(action="complaint.note", actor=actor, site=complaint.site_id, obj=complaint)
    return event


def complaint_own15_review(*, complaint: Complaint, actor: User, now: dt.datetime | None = None) -> Complaint:
    """SVC-05 → OWN-15: the site manager marks a complaint about a salesperson as taken into account."""
    if not access.is_manager(actor, complaint.site_id):
        from salesoffice.core.exceptions import NotAllowed

        raise NotAllowed(_("Only the site manager reviews these complaints."))
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.about_salesperson_id is None or locked.own15_reviewed_at is not None:
            raise HandoverStateConflict(_("Nothing to review."))
        locked.own15_reviewed_at = now or timezone.now()
        locked.save(update_fields=["own15_reviewed_at"])
        audit_record(action="complaint.own15_review", actor=actor, site=locked.site_id, obj=locked)
    return locked


def complaint_escalations_send(*, now: dt.datetime | None = None) -> int:
    """SVC-05: a complaint not answered by its reply time is escalated to the managers, once (R4)."""
    moment = now or timezone.now()
    escalated = 0
    with transaction.atomic():
        rows = list(
            Complaint.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=[Complaint.Status.RECEIVED, Complaint.Status.ACKNOWLEDGED],
                reply_by__lt=moment,
                escalated_at__isnull=True,
            )
            .order_by("pk")
        )
        for complaint in rows:
            source = complaint.status
            complaint.status, complaint.escalated_at = Complaint.Status.ESCALATED, moment
            complaint.escalation_reason = "reply target missed"
            complaint.save(update_fields=["status", "escalated_at", "escalation_reason"])
            _complaint_event(complaint, action="escalate", actor=None, at=moment, note="reply target missed")
            audit_record(
                action="complaint.escalate",
                site=complaint.site_id,
                obj=complaint,
                before={"status": source},
                after={"status": complaint.status},
            )
            for user in managers(complaint.site_id):
                notify(
                    recipient=user, site=complaint.site_id, kind="handover.complaint_overdue",
                    title=_("Complaint %(number)s was not answered in time") % {"number": complaint.number},
                    link=reverse("handover-complaint", args=[complaint.pk]),
                    dedupe_key=f"handover.complaint_overdue:{complaint.pk}:{user.pk}",
                )  # fmt: skip
            escalated += 1
    return escalated


# --- Return visits and surveys (SVC-06) ---


def return_visits_create_due(*, now: dt.datetime | None = None) -> int:
    """SVC-06: make sure every closed work order and every completed handover has its return visit; the
    unique keys make a second or late run create nothing more (R4)."""
    moment = now or timezone.now()
    created = 0
    orders = WorkOrder.objects.filter(status=WorkOrder.Status.CLOSED, return_visit__isnull=True).order_by(
        "pk"
    )
    for order in orders[:500]:
        with transaction.atomic():
            return_visit_for_order(order=order, now=moment)
        created += 1
    records = HandoverRecord.objects.filter(
        status=HandoverRecord.Status.COMPLETE, return_visit__isnull=True
    ).order_by("pk")
    for record in records[:500]:
        with transaction.atomic():
            return_visit_for_handover(record=record, now=moment)
        created += 1
    return created


def questionnaire_publish(
    *, site: Site, actor: User, name: str, questions: list[dict[str, Any]], low_score: int = 2
) -> Questionnaire:
    """SVC-06: publish a questionnaire (scored and free-text questions); publishing under the same name
    makes the next version, and answers keep the version they answered."""
    require_cap(actor, site.pk, Cap.SERVICE_MANAGE)
    name = require_text(name, "name", max_length=100)
    if not isinstance(questions, list) or not 1 <= len(questions) <= 50:
        raise DomainError(
            _("Between 1 and 50 questions."),
            code="invalid_questions",
            fields={"questions": [_("Out of range.")]},
        )
    cleaned, keys = [], set()
    for index, question in enumerate(questions):
        key = require_text(str(question.get("key", "")), f"questions[{index}]", max_length=40)
        text = require_text(str(question.get("text", "")), f"questions[{index}]", max_length=300)
        kind = require_choice(str(question.get("kind", "")), f"questions[{index}]", ("score", "text"))
        if key in keys:
            raise DomainError(
                _("Question keys must differ."),
                code="duplicate_key",
                fields={f"questions[{index}]": [_("Duplicate key.")]},
            )
        keys.add(key)
        cleaned.append({"key": key, "text": text, "kind": kind})
    if not any(question["kind"] == "score" for question in cleaned):
        raise DomainError(
            _("Ask at least one scored question."),
            code="no_score",
            fields={"questions": [_("No scored question.")]},
        )
    if low_score not in SCORE_RANGE:
        raise DomainError(
            _("Between 1 and 5."), code="invalid_low_score", fields={"low_score": [_("Out of range.")]}
        )
    with transaction.atomic():
        # The site row serialises concurrent publications of the next version number.
        Site.objects.select_for_update().get(pk=site.pk)
        latest = (
            Questionnaire.objects.filter(site=site, name=name).aggregate(latest=Max("version"))["latest"] or 0
        )
        questionnaire = Questionnaire.objects.create(
            site=site, name=name, version=latest + 1, questions=cleaned, low_score=low_score, created_by=actor
        )
        audit_record(
            action="questionnaire.publish",
            actor=actor,
            site=site,
            obj=questionnaire,
            after={"version": latest + 1},
        )
    return questionnaire


def _answers(
    questionnaire: Questionnaire, answers: dict[str, Any]
) -> tuple[dict[str, Any], Decimal | None, bool]:
    if not isinstance(answers, dict):
        raise DomainError(
            _("Answer the questions."), code="invalid_answers", fields={"answers": [_("Invalid.")]}
        )
    known = {question["key"]: question["kind"] for question in questionnaire.questions}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise DomainError(_("Unknown questions."), code="invalid_answers", fields={"answers": unknown})
    cleaned: dict[str, Any] = {}
    scores = []
    for key, kind in known.items():
        value = answers.get(key)
        if kind == "score":
            try:
                score = int(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                score = 0
            if score not in SCORE_RANGE or str(value).strip() != str(score):
                raise DomainError(
                    _("Give a score from 1 to 5."),
                    code="invalid_score",
                    fields={f"answers.{key}": [_("1 to 5.")]},
                )
            cleaned[key] = score
            scores.append(score)
        elif value not in (None, ""):
            cleaned[key] = require_text(str(value), f"answers.{key}", max_length=2000)
    average = (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01")) if scores else None
    return cleaned, average, any(score <= questionnaire.low_score for score in scores)


def survey_response_record(
    *,
    questionnaire: Questionnaire,
    actor: User,
    answers: dict[str, Any],
    customer: Any = None,
    work_order: WorkOrder | None = None,
    return_visit: ReturnVisit | None = None,
    now: dt.datetime | None = None,
) -> SurveyResponse:
    """SVC-06: record an owner's answers; any score at or below the questionnaire's low mark creates a
    follow-up task for customer service."""
    require_cap(actor, questionnaire.site_id, Cap.SERVICE_MANAGE)
    moment = now or timezone.now()
    cleaned, average, low = _answers(questionnaire, answers)
    for related, field in (
        (customer, "customer"),
        (work_order, "work_order"),
        (return_visit, "return_visit"),
    ):
        if related is not None and related.site_id != questionnaire.site_id:
            raise DomainError(_("Not found."), code="wrong_site", fields={field: [_("Not found.")]})
    if return_visit is not None:
        work_order = work_order or return_visit.work_order
        customer = customer or return_visit.customer
    with transaction.atomic():
        if return_visit is not None and SurveyResponse.objects.filter(return_visit=return_visit).exists():
            raise HandoverStateConflict(_("This return visit already has answers."))
        response = SurveyResponse.objects.create(
            site_id=questionnaire.site_id, questionnaire=questionnaire, return_visit=return_visit,
            work_order=work_order, customer=customer, answers=cleaned, average_score=average, low_score=low,
            recorded_by=actor, recorded_at=moment,
        )  # fmt: skip
        audit_record(
            action="survey.record",
            actor=actor,
            site=questionnaire.site_id,
            obj=response,
            after={"average": average, "low": low},
        )
        if low:
            task = FollowUpTask.objects.create(
                site_id=questionnaire.site_id, survey=response,
                description=_("Low satisfaction score (%(score)s): call the owner back") % {"score": average},
                due_on=local_date(moment, questionnaire.site_id) + dt.timedelta(days=FOLLOW_UP_DAYS),
            )  # fmt: skip
            _tell(
                service_staff(questionnaire.site_id), site_id=questionnaire.site_id, kind="handover.low_score",
                title=task.description, link=reverse("handover-visits"), key=f"handover.low_score:{task.pk}",
            )  # fmt: skip
    return response


def return_visit_record(
    *,
    visit: ReturnVisit,
    actor: User,
    notes: str = "",
    questionnaire: Questionnaire | None = None,
    answers: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> ReturnVisit:
    """SVC-06, D-SVC-06: the call back after service: notes, and the owner's survey answers when asked."""
    require_cap(actor, visit.site_id, Cap.SERVICE_MANAGE)
    moment = now or timezone.now()
    notes = require_text(notes, "notes", max_length=5000, required=False)
    if questionnaire is not None and questionnaire.site_id != visit.site_id:
        raise DomainError(_("Not found."), code="wrong_site", fields={"questionnaire": [_("Not found.")]})
    with transaction.atomic():
        locked = ReturnVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.done_at is not None:
            raise HandoverStateConflict(_("This return visit is done."))
        locked.done_at, locked.done_by, locked.notes = moment, actor, notes
        locked.save(update_fields=["done_at", "done_by", "notes"])
        if questionnaire is not None:
            survey_response_record(
                questionnaire=questionnaire,
                actor=actor,
                answers=answers or {},
                return_visit=locked,
                now=moment,
            )
        audit_record(action="return_visit.record", actor=actor, site=locked.site_id, obj=locked)
    return locked


def follow_up_done(
    *, task: FollowUpTask, actor: User, outcome: str, now: dt.datetime | None = None
) -> FollowUpTask:
    """SVC-06: close a low-score follow-up with what was done."""
    require_cap(actor, task.site_id, Cap.SERVICE_MANAGE)
    outcome = require_text(outcome, "outcome", max_length=500)
    with transaction.atomic():
        locked = FollowUpTask.objects.select_for_update().get(pk=task.pk)
        if locked.done_at is not None:
            raise HandoverStateConflict(_("This follow-up is done."))
        locked.done_at, locked.done_by, locked.outcome = now or timezone.now(), actor, outcome
        locked.save(update_fields=["done_at", "done_by", "outcome"])
        audit_record(action="follow_up.done", actor=actor, site=locked.site_id, obj=locked, reason=outcome)
    return locked
