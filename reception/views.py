"""Pages of the reception rota (tablet first, htmx, no inline script): the live board and its wall
variant, the counter flow, my status, the manager's adjustment panel, the shift log, the fairness
report and the replay of a recorded day. Every write goes through one service; a refusal is shown
on the page it came from (STYLE 7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from customers.selectors import customer_get, customer_lookup
from reception import documents, selectors, services
from reception.forms import CounterRegistrationForm, DraftPolicyForm, PeriodForm, ShiftLogForm
from reception.models import Reception
from reception.rota import Status, WalkInType
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import Site
from salesoffice.core.roles import Cap
from salesoffice.core.services import policy_current
from salesoffice.core.workspace import require_current_site

NOTICE_VERSION = "2026-01"
SELF_STATUSES = (Status.AVAILABLE, Status.ON_BREAK, Status.WITH_OWN_CUSTOMER, Status.ON_ASSIGNMENT)
# Greeting answers at the door (首问) that decide the walk-in at once, without a lookup.
DIRECT_TYPES = (
    WalkInType.NEW,
    WalkInType.GROUP,
    WalkInType.ON_BEHALF,
    WalkInType.NON_CUSTOMER,
    WalkInType.PEER,
    WalkInType.TOUR_GROUP,
)


def _rota_site(request: HttpRequest) -> Site:
    site = require_current_site(request)
    if not (
        access.can(request.user, site.pk, Cap.ROTA_OWN_STATUS)
        or access.can(request.user, site.pk, Cap.ROTA_ADJUST)
    ):
        raise PermissionDenied
    return site


def _attempt(request: HttpRequest, action: Callable[[], Any]) -> Any:
    """Run a service; a business refusal becomes a message on the page instead of an error page."""
    try:
        return action()
    except DomainError as error:
        fields = "; ".join(str(message) for values in error.fields.values() for message in values)
        text = str(error.message)
        messages.error(request, text if not fields or fields == text else f"{text} {fields}")
        return None


def _user(site: Site, value: Any) -> Any:
    return selectors.rota_staff_get(site=site, user_id=value)


# The board ------------------------------------------------------------------------------------


def _board_context(request: HttpRequest, site: Site) -> dict[str, Any]:
    board = selectors.rota_board(site=site)
    me = next((row for row in (*board.rows, *board.signed_out) if row.user_id == request.user.pk), None)
    on_rota = access.can(request.user, site.pk, Cap.ROTA_OWN_STATUS)
    return {"board": board, "me": me, "on_rota": on_rota, "self_statuses": SELF_STATUSES}


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """ROTA-01: the live counter board with my status buttons."""
    site = _rota_site(request)
    return render(request, "reception/board.html", _board_context(request, site))


@login_required
@require_GET
def board_fragment(request: HttpRequest) -> HttpResponse:
    """The part of the board that refreshes itself every 2 seconds."""
    site = _rota_site(request)
    template = "reception/_wall.html" if request.GET.get("wall") else "reception/_board.html"
    return render(request, template, _board_context(request, site))


@login_required
@require_GET
def wall(request: HttpRequest) -> HttpResponse:
    """ROTA-01: the board for a wall screen in the sales hall, in large type."""
    site = _rota_site(request)
    return render(request, "reception/wall.html", _board_context(request, site))


@login_required
@require_POST
def my_status(request: HttpRequest) -> HttpResponse:
    """ROTA-01: a salesperson signs in, out, or changes their own status."""
    site = _rota_site(request)
    action = request.POST.get("action", "")
    user = request.user
    if action == "sign_in":
        _attempt(request, lambda: services.rota_sign_in(site=site, actor=user))
    elif action == "sign_out":
        _attempt(request, lambda: services.rota_sign_out(site=site, actor=user))
    else:
        _attempt(
            request,
            lambda: services.rota_status_change(site=site, actor=user, salesperson=user, status=action),
        )
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "reception/_board.html", _board_context(request, site))
    return redirect("reception-board")


# The counter flow -----------------------------------------------------------------------------


@login_required
@require_GET
def counter(request: HttpRequest) -> HttpResponse:
    """ROTA-02: who is up next, then the first question at the door (首问) as big buttons; a
    returning customer or a named salesperson leads to the lookup step."""
    site = _rota_site(request)
    step = request.GET.get("step", "greet")
    context = _board_context(request, site)
    context |= {
        "step": step if step in ("greet", "returning", "named") else "greet",
        "open_receptions": selectors.reception_open_list(site=site),
        "direct_types": [(kind.value, label) for kind, label in _direct_labels()],
        "rota_people": context["board"].rows,
    }
    return render(request, "reception/counter.html", context)


def _direct_labels() -> list[tuple[WalkInType, str]]:
    return [
        (WalkInType.NEW, _("New, first visit")),
        (WalkInType.GROUP, _("A group together")),
        (WalkInType.ON_BEHALF, _("Asking for someone else")),
        (WalkInType.PEER, _("Peer from another project")),
        (WalkInType.TOUR_GROUP, _("Tour group")),
        (WalkInType.NON_CUSTOMER, _("Not a customer (the way, delivery, staff)")),
    ]


@login_required
@require_GET
def counter_lookup(request: HttpRequest) -> HttpResponse:
    """CUS-03 at the door: the phone lookup as the receptionist types; nothing below 4 digits."""
    site = _rota_site(request)
    query = request.GET.get("q", "").strip()
    digits = "".join(ch for ch in query if ch.isdigit())
    enough = len(digits) >= 4 or (not digits and len(query) >= 2)
    results = customer_lookup(user=request.user, site=site, query=query) if enough else []
    return render(request, "reception/_lookup.html", {"results": results, "query": query, "enough": enough})


@login_required
@require_POST
def counter_walk_in(request: HttpRequest) -> HttpResponse:
    """ROTA-02: the system names the receiver and the kind of walk-in."""
    site = _rota_site(request)
    walk_in_type = request.POST.get("type", "")
    customer = None
    if request.POST.get("customer"):
        customer = customer_get(user=request.user, site=site, customer_id=request.POST["customer"])
        if walk_in_type == WalkInType.RETURNING and customer.owner_id is None:
            walk_in_type = WalkInType.NEW.value  # a customer of the public pool is received as new
    named = _user(site, request.POST["named"]) if request.POST.get("named") else None
    result = _attempt(
        request,
        lambda: services.rota_walk_in(
            site=site, actor=request.user, type=walk_in_type, customer=customer, named=named
        ),
    )
    if result is None:
        return redirect("reception-counter")
    return redirect("reception-detail", pk=result.reception.pk)


@login_required
@require_GET
def reception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """ROTA-05: the open reception, ending with the registration form or an explicit outcome."""
    site = _rota_site(request)
    reception = selectors.reception_get(site=site, reception_id=pk)
    form = CounterRegistrationForm(initial=_registration_initial(request, site, reception))
    return render(request, "reception/reception.html", _reception_context(request, site, reception, form))


def _registration_initial(request: HttpRequest, site: Site, reception: Reception) -> dict[str, Any]:
    if reception.customer_id is None:
        return {}
    customer = reception.customer
    assert customer is not None
    if not (
        customer.owner_id in (None, request.user.pk)
        or access.can(request.user, site.pk, Cap.CUSTOMERS_READ_ALL)
    ):
        return {"level": customer.level}
    return {"name": customer.name, "gender": customer.gender, "level": customer.level}


def _reception_context(
    request: HttpRequest, site: Site, reception: Reception, form: CounterRegistrationForm
) -> dict[str, Any]:
    names = selectors.user_names(
        [
            user_id
            for user_id in (reception.receiver_id, reception.for_owner_id, reception.named_id)
            if user_id
        ]
    )
    can_end = reception.receiver_id == request.user.pk or access.can(request.user, site.pk, Cap.ROTA_ADJUST)
    return {
        "reception": reception,
        "receiver_name": names.get(reception.receiver_id or 0, ""),
        "for_owner_name": names.get(reception.for_owner_id or 0, ""),
        "named_name": names.get(reception.named_id or 0, ""),
        "form": form,
        "can_end": can_end,
        "is_receiver": reception.receiver_id == request.user.pk,
        "now": timezone.now(),
    }


@login_required
@require_POST
def reception_finish(request: HttpRequest, pk: int) -> HttpResponse:
    """ROTA-05: "not a customer" or "left before registration"."""
    site = _rota_site(request)
    reception = selectors.reception_get(site=site, reception_id=pk)
    done = _attempt(
        request,
        lambda: services.rota_finish(
            site=site,
            actor=request.user,
            reception=reception,
            outcome=request.POST.get("outcome", ""),
            reason=request.POST.get("reason", ""),
        ),
    )
    if done is None:
        return redirect("reception-detail", pk=pk)
    messages.success(request, _("Reception %(number)s ended.") % {"number": reception.number})
    return redirect("reception-counter")


@login_required
@require_POST
def reception_register(request: HttpRequest, pk: int) -> HttpResponse:
    """ROTA-05 with REG-01: register the visit and end the reception in one step."""
    site = _rota_site(request)
    reception = selectors.reception_get(site=site, reception_id=pk)
    form = CounterRegistrationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.reception_register(
                site=site,
                actor=request.user,
                reception=reception,
                name=data["name"],
                gender=data["gender"],
                phones=form.phones(),
                needs=form.needs(),
                level=data["level"],
                source=data["source"],
                notice_version=NOTICE_VERSION,
                said_first_visit=data["said_first_visit"],
                note=data["note"],
                reason=request.POST.get("reason", ""),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
            for field, errors in error.fields.items():
                target = "phone" if field == "phones" else field
                for message in errors:
                    form.add_error(target if target in form.fields else None, str(message))
        else:
            messages.success(
                request,
                _("Registration %(number)s recorded; reception %(reception)s ended.")
                % {"number": registration.number, "reception": reception.number},
            )
            return redirect("reception-counter")
    context = _reception_context(request, site, reception, form)
    return render(request, "reception/reception.html", context, status=400)


# The manager's panel --------------------------------------------------------------------------


def _manage_context(request: HttpRequest, site: Site) -> dict[str, Any]:
    context = _board_context(request, site)
    on_queue = {row.user_id for row in context["board"].rows}
    context |= {
        "open_receptions": selectors.reception_open_list(site=site),
        "off_rota": [user for user in selectors.rota_staff(site=site) if user.pk not in on_queue],
        "adjust_statuses": SELF_STATUSES,
        "is_manager": access.is_manager(request.user, site.pk),
    }
    return context


@login_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    """ROTA-01, ROTA-05: reorder, transfer and anyone's status, each with a reason."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.ROTA_ADJUST)
    return render(request, "reception/manage.html", _manage_context(request, site))


def _moved(order: list[int], user_id: int, step: int) -> list[int]:
    index = order.index(user_id)
    target = min(max(index + step, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    return order


@login_required
@require_POST
def manage_action(request: HttpRequest) -> HttpResponse:
    """One tap of the panel: the action, its subject and the shared reason field."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.ROTA_ADJUST)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "").strip()
    subject = _user(site, request.POST.get("who"))
    actor = request.user
    if action in ("up", "down") and subject is not None:
        order = [row.user_id for row in selectors.rota_board(site=site).rows]
        if subject.pk in order:
            new_order = [
                _user(site, user_id) for user_id in _moved(order, subject.pk, -1 if action == "up" else 1)
            ]
            _attempt(
                request, lambda: services.rota_reorder(site=site, actor=actor, order=new_order, reason=reason)
            )
    elif action == "status" and subject is not None:
        status = request.POST.get("status", "")
        _attempt(
            request,
            lambda: services.rota_status_change(
                site=site, actor=actor, salesperson=subject, status=status, reason=reason
            ),
        )
    elif action == "sign_in" and subject is not None:
        _attempt(
            request, lambda: services.rota_sign_in(site=site, actor=actor, salesperson=subject, reason=reason)
        )
    elif action == "sign_out" and subject is not None:
        _attempt(
            request,
            lambda: services.rota_sign_out(site=site, actor=actor, salesperson=subject, reason=reason),
        )
    elif action == "transfer":
        reception = selectors.reception_get(site=site, reception_id=request.POST.get("reception"))
        target = _user(site, request.POST.get("to"))
        if target is None:
            messages.error(request, _("Choose who takes the reception over."))
        else:
            _attempt(
                request,
                lambda: services.rota_transfer(
                    site=site, actor=actor, reception=reception, target=target, reason=reason
                ),
            )
    else:
        messages.error(request, _("Unknown action."))
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "reception/_manage.html", _manage_context(request, site))
    return redirect("reception-manage")


# Shift log ------------------------------------------------------------------------------------


@login_required
def shift_log(request: HttpRequest) -> HttpResponse:
    """ROTA-08: the front desk's handover log."""
    site = _rota_site(request)
    form = ShiftLogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = _attempt(
            request, lambda: services.shift_log_create(site=site, actor=request.user, **form.cleaned_data)
        )
        if created is not None:
            messages.success(request, _("Handover recorded."))
            return redirect("reception-shift-log")
    entries = selectors.shift_log_list(site=site)[:50]
    return render(
        request,
        "reception/shift_log.html",
        {"form": form, "entries": entries, "can_review": access.can(request.user, site.pk, Cap.ROTA_ADJUST)},
    )


@login_required
@require_POST
def shift_log_answer(request: HttpRequest, pk: int) -> HttpResponse:
    site = _rota_site(request)
    entry = selectors.shift_log_get(site=site, entry_id=pk)
    confirm = request.POST.get("answer") == "confirm"
    _attempt(
        request,
        lambda: services.shift_log_answer(
            site=site, actor=request.user, entry=entry, confirm=confirm, reason=request.POST.get("reason", "")
        ),
    )
    return redirect("reception-shift-log")


@login_required
@require_POST
def shift_log_review(request: HttpRequest, pk: int) -> HttpResponse:
    site = _rota_site(request)
    entry = selectors.shift_log_get(site=site, entry_id=pk)
    _attempt(request, lambda: services.shift_log_review(site=site, actor=request.user, entry=entry))
    return redirect("reception-shift-log")


# Fairness report and replay -------------------------------------------------------------------


def _period(request: HttpRequest, site: Site) -> tuple[PeriodForm, dt.date, dt.date]:
    today = services.business_date(site=site, now=timezone.now())
    form = PeriodForm(request.GET or {"date_from": today, "date_to": today})
    if form.is_valid():
        return form, form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    return form, today, today


@login_required
@require_GET
def fairness(request: HttpRequest) -> HttpResponse:
    """ROTA-09: was the rota fair? Per day or period."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.ROTA_ADJUST)
    form, start, end = _period(request, site)
    report = selectors.fairness_report(site=site, date_from=start, date_to=end)
    query = f"?date_from={start.isoformat()}&date_to={end.isoformat()}"
    return render(
        request,
        "reception/fairness.html",
        {"form": form, "report": report, "pdf_url": reverse("reception-fairness-pdf") + query},
    )


@login_required
@require_GET
def fairness_pdf(request: HttpRequest) -> HttpResponse:
    """ROTA-09 as a PDF; every export is audited (SEC-03)."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.ROTA_ADJUST)
    _form, start, end = _period(request, site)
    report = selectors.fairness_report(site=site, date_from=start, date_to=end)
    audit_record(
        action="export.pdf",
        actor=request.user,
        site=site,
        object_type="reception.fairness",
        after={"date_from": start, "date_to": end},
    )
    pdf = documents.fairness_pdf({"report": report, "site": site, "generated_at": timezone.now()})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="rota-fairness-{start}-{end}.pdf"'
    return response


@login_required
@require_GET
def replay(request: HttpRequest) -> HttpResponse:
    """ROTA-10: a recorded day replayed under a draft policy, side by side with what happened."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.ROTA_ADJUST)
    policy, _version = policy_current(site=site)
    days = list(selectors.rota_day_list(site=site))
    latest = days[0].business_date if days else services.business_date(site=site, now=timezone.now())
    form = DraftPolicyForm(request.GET or None, initial=DraftPolicyForm.initial_from(policy, latest))
    result = day = None
    if form.is_valid():
        day = selectors.rota_day_get(site=site, date=form.cleaned_data["day"])
        if day is None:
            form.add_error("day", _("No rota was recorded on that day."))
        else:
            result = selectors.day_replay(day=day, draft=policy.with_overrides(form.overrides()))
    names: dict[str, str] = {}
    if result is not None:
        ids = {int(name) for name in result.recorded_turns}
        names = {str(key): value for key, value in selectors.user_names(ids).items()}
    return render(
        request,
        "reception/replay.html",
        {"form": form, "days": days, "result": result, "day": day, "names": names},
    )


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    """ROTA-01 option B: the site manager sets a day's order in advance; sign-ins take their places."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.ROTA_ADJUST)
    staff = list(selectors.rota_staff(site=site))
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    if request.method == "POST":
        day = parse_date(request.POST.get("date") or "") or tomorrow
        positions = sorted(
            (int(request.POST[f"position-{person.pk}"]), person.last_name + person.first_name, person)
            for person in staff
            if request.POST.get(f"position-{person.pk}", "").strip().isdigit()
        )
        order = [person for _position, _name, person in positions]
        done = _attempt(
            request,
            lambda: services.rota_plan_set(
                site=site, actor=request.user, date=day, order=order, reason=request.POST.get("reason", "")
            ),
        )
        if done is not None:
            messages.success(request, _("The order of %(day)s is planned.") % {"day": day.isoformat()})
            return redirect("reception-plan")
    return render(request, "reception/plan.html", {"staff": staff, "tomorrow": tomorrow})
