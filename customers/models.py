"""Customers, their registrations and follow-ups, and the records ownership is decided from.

Registrations, follow-ups, decisions and verdicts are append-only (REG-04, SEC-05): PostgreSQL
rejects UPDATE and DELETE on them; corrections are new rows that point at the original.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesoffice.core.models import Site

APPEND_ONLY = pgtrigger.Update | pgtrigger.Delete


def _append_only(name: str) -> pgtrigger.Protect:
    return pgtrigger.Protect(name=name, operation=APPEND_ONLY)


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Unknown")


class Level(models.TextChoices):
    """FUP-01 customer levels."""

    A = "A", _("A: strong purchasing power, clear intent")
    B = "B", _("B: clear intent, ordinary purchasing power")
    C = "C", _("C: unclear needs or low purchasing power")


class Source(models.TextChoices):
    """REG-01 channels and sources; the values are those of the ownership facts."""

    WALK_IN = "walk_in", _("Passing by")
    CALL = "call", _("Phone call")
    NEWSPAPER = "newspaper", _("Newspaper")
    TV = "tv", _("TV")
    OUTDOOR = "outdoor", _("Outdoor advertising")
    ONLINE = "online", _("Online")
    FLYER = "flyer", _("Flyer")
    EXHIBITION = "exhibition", _("Exhibition")
    EVENT = "event", _("Marketing event")
    REFERRAL = "referral", _("Referred by a customer")
    STAFF_REFERRAL = "staff_referral", _("Referred by staff")
    DEVELOPER_REFERRAL = "developer_referral", _("Referred by the developer")
    CHANNEL = "channel", _("Channel agent")
    PHONE_INVITATION = "phone_invitation", _("Phone invitation")
    HOME_VISIT = "home_visit", _("Home visit")
    OTHER = "other", _("Other")


class Household(models.Model):
    """CUS-02: people who buy together."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


# SEC-03: every change of these fields is captured by a PostgreSQL trigger, even by bulk updates or
# raw SQL that bypass the services; personal fields are left out so anonymisation stays final.
@pghistory.track(
    fields=["owner", "protected_until", "status", "level", "merged_into", "anonymised_at"],
    append_only=True,
    model_name="CustomerEvent",
)
class Customer(models.Model):
    """CUS-01: a person at one site. The owner fields cache the latest stored verdict so the
    counter lookup answers from one indexed row (quality.md P1/P2)."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        FOLLOWING = "following", _("Following up")
        DEPOSITED = "deposited", _("Deposit paid")
        SUBSCRIBED = "subscribed", _("Subscribed")
        CONTRACTED = "contracted", _("Contracted")
        OWNER = "owner", _("Home owner")
        LOST = "lost", _("Lost")

    class LostReason(models.TextChoices):
        """FUP-05."""

        PRICE = "price", _("Price")
        LOCATION = "location", _("Location")
        LAYOUT = "layout", _("Layout")
        TIMING = "timing", _("Timing")
        FINANCING = "financing", _("Financing")
        COMPETITOR = "competitor", _("Competitor")
        OTHER = "other", _("Other")

    class PersonalityType(models.TextChoices):
        """FUP-07: the twelve types of the source documents."""

        UNHURRIED = "unhurried", "从容不迫"
        INDECISIVE = "indecisive", "优柔寡断"
        BOASTFUL = "boastful", "自我吹嘘"
        DECISIVE = "decisive", "豪爽干脆"
        TALKATIVE = "talkative", "喋喋不休"
        TACITURN = "taciturn", "沉默寡言"
        FAULTFINDING = "faultfinding", "吹毛求疵"
        INSINCERE = "insincere", "虚情假意"
        ALOOF = "aloof", "冷淡傲慢"
        IMPULSIVE = "impulsive", "情感冲动"
        RESENTFUL = "resentful", "心怀怨恨"
        SLIPPERY = "slippery", "圆滑难缠"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="customers", verbose_name=_("site"))
    name = models.CharField(_("name"), max_length=50)
    name_initials = models.CharField(_("pinyin initials"), max_length=50, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN)
    district = models.CharField(_("district"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=24, choices=Source.choices, default=Source.WALK_IN)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    total_price_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_price_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    area_min = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    area_max = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    layout = models.CharField(_("layout"), max_length=50, blank=True)
    floor_preference = models.CharField(_("floor"), max_length=50, blank=True)
    purpose = models.CharField(_("purpose"), max_length=100, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=50, blank=True)
    intent = models.TextField(_("intent"), blank=True)
    decision_maker = models.CharField(_("decision maker"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=1, choices=Level.choices, default=Level.C)
    personality_type = models.CharField(
        _("personality type"), max_length=16, choices=PersonalityType.choices, blank=True
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    lost_reason = models.CharField(_("lost reason"), max_length=12, choices=LostReason.choices, blank=True)
    lost_note = models.TextField(_("lost note"), blank=True)
    id_type = models.CharField(_("ID document type"), max_length=20, blank=True)
    id_number = models.CharField(_("ID number"), max_length=40, blank=True)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # The latest stored verdict, cached for the counter (OWN-17: everyone else sees verdicts).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("owner"),
    )  # fmt: skip
    protected_until = models.DateField(_("protected until"), null=True, blank=True)
    verdict = models.ForeignKey(
        "OwnershipVerdict", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # The latest follow-up's time and planned next date (FUP-02), kept by ``follow_up_record`` so the
    # due lists compute each customer's due date from its own row, without a subquery (P4).
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True, editable=False)
    next_follow_up_on = models.DateField(_("planned follow-up"), null=True, blank=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            # varchar_pattern_ops lets PostgreSQL serve "name LIKE '张%'" from the index (CUS-03).
            models.Index(
                fields=["site", "name"],
                name="customer_site_name_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["site", "name_initials"],
                name="customer_site_initials_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["owner", "protected_until"], name="customer_owner_protect_idx"),
            models.Index(fields=["site", "protected_until"], name="customer_site_protect_idx"),
            models.Index(fields=["site", "last_activity_at"], name="customer_site_activity_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerPhone(models.Model):
    """CUS-01: any number of phones, normalised to E.164; one number identifies one person per site."""

    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        LANDLINE = "landline", _("Landline")
        FOREIGN = "foreign", _("Foreign")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    e164 = models.CharField(_("phone"), max_length=20)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    last4 = models.CharField(max_length=4)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        constraints = [models.UniqueConstraint(fields=["site", "e164"], name="customerphone_unique_per_site")]
        indexes = [models.Index(fields=["site", "last4"], name="customerphone_site_last4_idx")]

    def __str__(self) -> str:
        return self.e164


class Registration(models.Model):
    """REG-01: a visit or call registration, numbered per site in recording order; never altered.

    ``complete`` holds REG-02's three basic items (``missing`` lists what was not); ``late`` marks a
    registration filed after the site's daily cut-off (REG-03). The door's answers feed OWN-05.
    A correction (SEC-05) is a new registration with ``corrects`` set, a reason and an author."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        CALL = "call", _("Call")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="registrations")
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="registrations")
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations",
        verbose_name=_("received by"),
    )  # fmt: skip
    contact_at = models.DateTimeField(_("contact time"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=24, choices=Source.choices)
    activity_code = models.CharField(_("activity code"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    phones = models.JSONField(_("phones"), default=list)
    needs = models.JSONField(_("needs"), default=dict)
    level = models.CharField(_("level"), max_length=1, choices=Level.choices)
    complete = models.BooleanField(_("complete"))
    missing = models.JSONField(_("missing items"), default=list)
    late = models.BooleanField(_("late"), default=False)
    named = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("salesperson named by the customer"),
    )  # fmt: skip
    said_first_visit = models.BooleanField(_("said it is the first visit"), null=True, blank=True)
    owner_present = models.BooleanField(_("former owner present"), null=True, blank=True)
    declined_former = models.BooleanField(_("declined the former salesperson"), default=False)
    standin = models.BooleanField(_("stand-in for the owner"), default=False)
    appointment_entered = models.BooleanField(_("appointment entered in advance"), default=False)
    # CHAN-04: the channel agent who brought the customer in person.
    brought_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("brought in person by"),
    )  # fmt: skip
    notice_version = models.CharField(_("privacy notice version"), max_length=16)
    note = models.TextField(_("note"), blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    correction_reason = models.TextField(_("correction reason"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="registration_unique_number"),
        ]
        indexes = [
            models.Index(fields=["customer", "recorded_at"], name="registration_customer_idx"),
            models.Index(fields=["site", "salesperson", "recorded_at"], name="registration_sales_idx"),
            models.Index(fields=["site", "recorded_at"], name="registration_site_time_idx"),
        ]
        triggers = [_append_only("registration_append_only")]

    def __str__(self) -> str:
        return f"#{self.number} {self.name}"


class FollowUp(models.Model):
    """FUP-03: one follow-up; only one that ``reached`` the customer renews protection (OWN-04)."""

    class Method(models.TextChoices):
        CALL = "call", _("Call")
        SMS = "sms", _("SMS")
        WECHAT = "wechat", _("WeChat")
        HOME_VISIT = "home_visit", _("Home visit")
        EVENT_INVITATION = "event_invitation", _("Event invitation")
        VISIT = "visit", _("Visit")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="follow_ups")
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    reached = models.BooleanField(_("reached the customer"))
    content = models.TextField(_("content"), blank=True)
    result = models.TextField(_("result"), blank=True)
    level_before = models.CharField(max_length=1, choices=Level.choices)
    level_after = models.CharField(_("level"), max_length=1, choices=Level.choices)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_date = models.DateField(_("next follow-up"), null=True, blank=True)
    referrals_asked = models.TextField(_("introductions asked for"), blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["customer", "at"], name="followup_customer_idx"),
            # RPT-01..03: the reports count a site's follow-ups by their moment.
            models.Index(fields=["site", "at"], name="followup_site_time_idx"),
            models.Index(
                fields=["site", "next_date"],
                condition=models.Q(next_date__isnull=False),
                name="followup_site_next_idx",
            ),
            models.Index(fields=["salesperson", "next_date"], name="followup_due_idx"),
        ]
        triggers = [_append_only("followup_append_only")]

    def __str__(self) -> str:
        return f"{self.customer} {self.at:%Y-%m-%d}"


class Relation(models.Model):
    """CUS-02: what ``b`` is to ``a``; feeds household collisions (OWN-07)."""

    class Kind(models.TextChoices):
        SPOUSE = "spouse", _("Spouse")
        PARENT = "parent", _("Parent")
        CHILD = "child", _("Child")
        SIBLING = "sibling", _("Sibling")
        RELATIVE = "relative", _("Other relative")
        FRIEND = "friend", _("Friend")
        COLLEAGUE = "colleague", _("Colleague")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    a = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="relations_from")
    b = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="relations_to")
    kind = models.CharField(_("relation"), max_length=12, choices=Kind.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(fields=["a", "b"], name="relation_unique_pair"),
            models.CheckConstraint(condition=~models.Q(a=models.F("b")), name="relation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.a} → {self.b}: {self.kind}"


class Referral(models.Model):
    """OWN-06: ``referrer`` introduced ``referred``; the reward is recorded on the deal later."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    referrer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="referrals_made")
    referred = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="referred_by")
    named = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    announced_at = models.DateTimeField(_("announced to the manager at"), null=True, blank=True)
    accompanied = models.BooleanField(_("the referrer came along"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [models.UniqueConstraint(fields=["referrer", "referred"], name="referral_unique_pair")]

    def __str__(self) -> str:
        return f"{self.referrer} → {self.referred}"


class RelationshipRecord(models.Model):
    """OWN-03: a salesperson's relative or friend, recorded before anyone's first contact."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="relationship_records")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        triggers = [_append_only("relationshiprecord_append_only")]

    def __str__(self) -> str:
        return f"{self.customer} ({self.salesperson})"


class OwnershipDecision(models.Model):
    """A site manager's decision on ownership (DISP-02, OWN-03/04/07/08/09/10/11/12/15/18);
    later verdicts respect it. ``kind`` takes the values of the engine's decision kinds."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("kind"), max_length=24)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    party = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    performance = models.JSONField(_("performance shares"), null=True, blank=True)
    commission = models.JSONField(_("commission shares"), null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ownership decision")
        verbose_name_plural = _("ownership decisions")
        triggers = [_append_only("ownershipdecision_append_only")]

    def __str__(self) -> str:
        return f"{self.customer}: {self.kind}"


class OwnershipVerdict(models.Model):
    """One stored verdict of the ownership engine (an ownership event): written whenever the
    verdict changes, with the policy version, rules and records that decided it."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="verdicts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    protected_until = models.DateField(null=True, blank=True)
    closed = models.BooleanField(default=False)
    performance = models.JSONField(default=dict)
    commission = models.JSONField(default=dict)
    commission_factor = models.DecimalField(max_digits=5, decimal_places=4, default=1)
    channel = models.JSONField(null=True, blank=True)
    rules = models.JSONField(default=list)
    facts = models.JSONField(default=list)
    lapse = models.JSONField(null=True, blank=True)
    awaiting_decision = models.CharField(max_length=16, blank=True)
    policy_version = models.PositiveIntegerField()
    cause = models.CharField(_("cause"), max_length=40)
    decided_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ownership verdict")
        verbose_name_plural = _("ownership verdicts")
        indexes = [models.Index(fields=["customer", "-decided_at"], name="verdict_customer_idx")]
        triggers = [_append_only("ownershipverdict_append_only")]

    def __str__(self) -> str:
        return f"{self.customer}: {self.owner or '—'}"


class DepositRecord(models.Model):
    """A deposit as ownership sees it (OWN-04: a deposit closes the customer to its owner).

    The deals app reports each deposit and its cancellation here, so ownership never reads deals."""

    class Kind(models.TextChoices):
        SMALL = "small", _("Small deposit")
        LARGE = "large", _("Large deposit")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="deposit_records")
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField()
    reference = models.CharField(max_length=40, unique=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "at"], name="depositrecord_customer_idx")]

    def __str__(self) -> str:
        return self.reference


class Dispute(models.Model):
    """DISP-01/02: an objection to a customer's ownership, decided by the site manager."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DECIDED = "decided", _("Decided")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="disputes")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    claim = models.TextField(_("claim"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    decision = models.OneToOneField(
        OwnershipDecision, null=True, blank=True, on_delete=models.PROTECT, related_name="dispute"
    )

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [models.Index(fields=["site", "status"], name="dispute_site_status_idx")]

    def __str__(self) -> str:
        return f"{self.customer} ({self.get_status_display()})"


class ChannelReport(models.Model):
    """CHAN-01: a channel agent's report of a customer before the first visit.

    The phone arrives masked as the first 3 and last 5 digits (``138***88888``); matching uses
    prefix + suffix + name (CHAN-03). A re-report (CHAN-02) is a new row pointing at the previous one."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        MATCHED = "matched", _("Visited")
        EXPIRED = "expired", _("Expired")
        REPLACED = "replaced", _("Re-reported")
        CANCELLED = "cancelled", _("Cancelled")

    class Period(models.TextChoices):
        MORNING = "morning", _("Morning")
        AFTERNOON = "afternoon", _("Afternoon")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="channel_reports")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="channel_reports"
    )
    agent_full_name = models.CharField(_("agent's full name"), max_length=50)
    team = models.CharField(_("team"), max_length=100)
    customer_name = models.CharField(_("customer name"), max_length=50)
    phone_prefix = models.CharField(max_length=3)
    phone_suffix = models.CharField(max_length=5)
    expected_date = models.DateField(_("expected visit date"))
    expected_period = models.CharField(_("period"), max_length=10, choices=Period.choices, blank=True)
    expected_time = models.TimeField(_("expected time"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_report"
    )
    rereports = models.PositiveSmallIntegerField(default=0)
    rereport_reason = models.TextField(_("reason the customer did not come"), blank=True)
    unreachable = models.BooleanField(_("customer unreachable"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.VALID)
    matched_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="channel_reports"
    )
    visit_token = models.CharField(max_length=32, unique=True)
    cancelled_reason = models.TextField(blank=True)
    # CHAN-02: the agent says the customer could not be reached; a supervisor or manager verifies it.
    unreachable_requested_at = models.DateTimeField(
        _("agent says the customer was unreachable"), null=True, blank=True
    )
    unreachable_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("unreachable verified by"),
    )  # fmt: skip
    # CHAN-03: the QR code scanned at the counter on arrival (扫码带访).
    visit_confirmed_at = models.DateTimeField(_("visit confirmed at the counter"), null=True, blank=True)
    visit_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("visit confirmed by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("channel report")
        verbose_name_plural = _("channel reports")
        indexes = [
            models.Index(fields=["site", "phone_prefix", "phone_suffix"], name="channelreport_phone_idx"),
            models.Index(fields=["agent", "-reported_at"], name="channelreport_agent_idx"),
            models.Index(fields=["status", "expected_date"], name="channelreport_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_name} {self.masked_phone}"

    @property
    def masked_phone(self) -> str:
        return f"{self.phone_prefix}***{self.phone_suffix}"


# --- Office work around the registry (CHAN-01..06, OWN-04/09/12, CUS-05/06) -------------------------


class StaffReferral(models.Model):
    """CHAN-06: a staff member outside the site's sales team who referred a customer (全民营销).

    Several may claim one customer; the earliest recorded counts (``staff_referral_counting``)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="staff_referrals")
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("referrer")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff referral")
        verbose_name_plural = _("staff referrals")
        constraints = [
            models.UniqueConstraint(fields=["customer", "referrer"], name="staffreferral_unique_pair")
        ]
        indexes = [models.Index(fields=["customer", "recorded_at"], name="staffreferral_customer_idx")]
        triggers = [_append_only("staffreferral_append_only")]

    def __str__(self) -> str:
        return f"{self.customer} ← {self.referrer}"


class CustomerMerge(models.Model):
    """CUS-05: ``merged`` was found to be the same person as ``survivor``.

    ``moved_phones`` lists the phone rows moved to the survivor so an undo can give them back;
    an undo is recorded on the row (``undone_at``) and audited, never by deleting it."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_absorbed")
    merged = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_into")
    moved_phones = models.JSONField(default=list)
    reason = models.TextField(_("reason"))
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undo_reason = models.TextField(_("reason for the undo"), blank=True)

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        constraints = [
            models.UniqueConstraint(
                fields=["merged"], condition=models.Q(undone_at__isnull=True), name="customermerge_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"


class CustomerImport(models.Model):
    """CUS-06: one uploaded exhibition or event list, checked whole and imported whole or not at all."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Checking")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("Rejected")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=24, choices=Source.choices, default=Source.EXHIBITION)
    activity_code = models.CharField(_("activity code"), max_length=32, blank=True)
    file_name = models.CharField(_("file"), max_length=200)
    content = models.BinaryField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_customers = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")

    def __str__(self) -> str:
        return self.file_name
