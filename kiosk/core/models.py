"""The one schema of the kiosk's records.

Timestamps are naive UTC (see ``kiosk.core.clock.to_utc_naive``). Personal data lives in
``Visitor`` only; ``Visit`` keeps an anonymous copy of the profile (gender, age group,
education, occupation, institution type) so reports survive the privacy purge.
"""
from __future__ import annotations


# the statuses are plain enums that faces may use without touching the ORM; re-exported here
from kiosk.core.statuses import ComplaintStatus, MailStatus, RequestStatus, ResponseSource, TicketStatus  # noqa: F401
from peewee import (
    AutoField, BooleanField, CharField, DatabaseProxy, DateField, DateTimeField,
    ForeignKeyField, IntegerField, Model, SmallIntegerField, TextField,
)

database = DatabaseProxy()


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = IntegerField(primary_key=True)
    name = CharField()
    applied_at = DateTimeField()


class Ticket(BaseModel):
    """A queue number: unique per service per local day, across every kiosk on the database.

    ``shown_at`` / ``printed_at``: when the number reached its holder (on a screen or the CLI's stdout /
    on paper). A committed ticket with neither never reached anyone for sure: ``kiosk queue status``
    lists it for staff."""
    id = AutoField()
    service_code = CharField(max_length=2)
    day = DateField()                      # the office's local date the number belongs to
    seq = IntegerField()                   # 1, 2, 3 … within (service_code, day)
    number = CharField(max_length=8)       # "A-007"
    kiosk = CharField(max_length=40)
    language = CharField(max_length=2, default="id")
    status = CharField(max_length=10, default=TicketStatus.WAITING)  # TicketStatus
    counter = CharField(max_length=20, default="")
    issued_at = DateTimeField()
    called_at = DateTimeField(null=True)
    started_at = DateTimeField(null=True)    # the desk pressed Start: serving begun
    served_at = DateTimeField(null=True)
    no_show_at = DateTimeField(null=True)
    shown_at = DateTimeField(null=True)
    printed_at = DateTimeField(null=True)
    print_failed = BooleanField(default=False)
    print_error = TextField(default="")
    reprints = IntegerField(default=0)

    class Meta:
        indexes = ((("service_code", "day", "seq"), True),)


class Visitor(BaseModel):
    """The answers a person gave at check-in; never rewritten (changed answers make a new row, so a
    visit keeps what was given at that visit). Personal fields are nulled by the privacy purge."""
    id = AutoField()
    full_name = CharField(max_length=120, null=True)
    email = CharField(max_length=254, null=True, index=True)
    phone = CharField(max_length=20, null=True)          # E.164, "+6281234567890"
    gender = CharField(max_length=30, default="")
    age_group = CharField(max_length=30, default="")
    birth_year = SmallIntegerField(null=True)
    education = CharField(max_length=30, default="")
    occupation = CharField(max_length=30, default="")
    institution_name = CharField(max_length=160, default="")
    institution_type = CharField(max_length=30, default="")
    created_at = DateTimeField()
    last_visit_at = DateTimeField()
    anonymised_at = DateTimeField(null=True)


class Locker(BaseModel):
    id = AutoField()
    label = CharField(max_length=10, unique=True)
    active = BooleanField(default=True)


class Visit(BaseModel):
    """One visit: links visitor, ticket, consent and locker, with the times the standard needs."""
    id = AutoField()
    visitor = ForeignKeyField(Visitor, null=True, backref="visits", on_delete="SET NULL")
    ticket = ForeignKeyField(Ticket, null=True, backref="visits", on_delete="SET NULL")
    kiosk = CharField(max_length=40)
    language = CharField(max_length=2, default="id")
    service_code = CharField(max_length=2, default="")
    purpose = CharField(max_length=30, default="")
    purpose_detail = TextField(default="")
    # Anonymous profile copied at check-in, kept after the purge for reports.
    gender = CharField(max_length=30, default="")
    age_group = CharField(max_length=30, default="")
    education = CharField(max_length=30, default="")
    occupation = CharField(max_length=30, default="")
    institution_type = CharField(max_length=30, default="")
    # ID card: never the number itself (masked form + keyed hash only).
    id_type = CharField(max_length=20, default="")
    id_number_masked = CharField(max_length=40, default="")
    id_number_hash = CharField(max_length=64, default="")
    consent_at = DateTimeField(null=True)
    consent_version = CharField(max_length=20, default="")
    started_at = DateTimeField()
    guestbook_completed_at = DateTimeField(null=True)
    ended_at = DateTimeField(null=True)
    anonymised_at = DateTimeField(null=True)


class LockerAssignment(BaseModel):
    """Who holds which locker; at most one open assignment per locker (partial unique index)."""
    id = AutoField()
    locker = ForeignKeyField(Locker, backref="assignments")
    visit = ForeignKeyField(Visit, backref="locker_assignments", on_delete="CASCADE")
    assigned_at = DateTimeField()
    released_at = DateTimeField(null=True)
    id_card_held = BooleanField(default=True)
    id_card_returned_at = DateTimeField(null=True)


LockerAssignment.add_index(
    LockerAssignment.index(LockerAssignment.locker, unique=True, name="lockerassignment_one_open")
    .where(LockerAssignment.released_at.is_null()))


class Publication(BaseModel):
    id = AutoField()
    title = CharField(max_length=300)
    subtitle = CharField(max_length=300, default="")
    subject = CharField(max_length=100, default="", index=True)
    year = SmallIntegerField(null=True, index=True)
    catalogue_number = CharField(max_length=40, default="")
    publication_number = CharField(max_length=40, default="")
    issn = CharField(max_length=20, default="")
    isbn = CharField(max_length=20, default="")
    language = CharField(max_length=10, default="id")
    abstract = TextField(default="")
    page_count = IntegerField(default=0)
    file_path = CharField(max_length=500)
    file_size = IntegerField(default=0)
    content_hash = CharField(max_length=64, unique=True)
    thumbnail_path = CharField(max_length=500, default="")
    hardcopy_location = CharField(max_length=60, default="")   # "Rak B-3"; empty = digital only
    softcopy_allowed = BooleanField(default=True)
    read_only = BooleanField(default=False)
    imported_at = DateTimeField()
    updated_at = DateTimeField()


class SoftcopyRequest(BaseModel):
    id = AutoField()
    number = CharField(max_length=24, unique=True)     # "SC-20261124-0007"
    visit = ForeignKeyField(Visit, null=True, backref="softcopy_requests", on_delete="SET NULL")
    name = CharField(max_length=120, null=True)
    email = CharField(max_length=254, null=True)
    purpose = TextField(default="")
    language = CharField(max_length=2, default="id")
    terms_accepted_at = DateTimeField()
    status = CharField(max_length=16, default=RequestStatus.QUEUED)   # RequestStatus
    preparer = CharField(max_length=120, default="")   # "host:pid" stamping it, to recover a killed one
    created_at = DateTimeField()


class SoftcopyItem(BaseModel):
    id = AutoField()
    request = ForeignKeyField(SoftcopyRequest, backref="items", on_delete="CASCADE")
    publication = ForeignKeyField(Publication, null=True, backref="softcopy_items")   # None: scanned, not catalogued
    title = CharField(max_length=200, default="")       # a scanned hardcopy's title (kiosk.core.scan)
    file_path = CharField(max_length=500, default="")   # the watermarked copy
    file_size = IntegerField(default=0)


class OutboxMail(BaseModel):
    """A message stored before sending, so a restart never loses or repeats it."""
    id = AutoField()
    message_id = CharField(max_length=200, unique=True)
    request = ForeignKeyField(SoftcopyRequest, null=True, backref="mails", on_delete="SET NULL")
    to_address = CharField(max_length=254)
    subject = CharField(max_length=300)
    eml_path = CharField(max_length=500)               # the whole message, as sent
    size = IntegerField(default=0)
    status = CharField(max_length=12, default=MailStatus.QUEUED)    # MailStatus
    kiosk = CharField(max_length=40, default="")        # whose data folder holds eml_path; it sends
    claimed_by = CharField(max_length=120, default="")  # "host:pid" of the sender holding it
    claimed_at = DateTimeField(null=True)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField()
    last_error = TextField(default="")
    created_at = DateTimeField()
    sent_at = DateTimeField(null=True)


class SurveyResponse(BaseModel):
    """One SKM response: the 9 elements (1–4) in the regulation's order."""
    id = AutoField()
    visit = ForeignKeyField(Visit, null=True, unique=True, backref="survey", on_delete="SET NULL")
    ticket = ForeignKeyField(Ticket, null=True, unique=True, backref="survey_responses", on_delete="SET NULL")
    # Kept apart from the links above so a response stays official (or not) if a link is ever cleared.
    source = CharField(max_length=10, default=ResponseSource.WALK_UP, index=True)   # ResponseSource
    # "<account id>:<period>" for an online response (``kiosk.core.online_feedback``): one per account a period
    online_key = CharField(max_length=40, null=True, unique=True)
    kiosk = CharField(max_length=40)
    language = CharField(max_length=2, default="id")
    u1 = SmallIntegerField()
    u2 = SmallIntegerField()
    u3 = SmallIntegerField()
    u4 = SmallIntegerField()
    u5 = SmallIntegerField()
    u6 = SmallIntegerField()
    u7 = SmallIntegerField()
    u8 = SmallIntegerField()
    u9 = SmallIntegerField()
    comment = TextField(default="")
    gender = CharField(max_length=30, default="")
    age_group = CharField(max_length=30, default="")
    education = CharField(max_length=30, default="")
    occupation = CharField(max_length=30, default="")
    created_at = DateTimeField()


class Complaint(BaseModel):
    id = AutoField()
    reference = CharField(max_length=24, unique=True)   # "ADU-20261124-0003"
    visit = ForeignKeyField(Visit, null=True, backref="complaints", on_delete="SET NULL")
    kiosk = CharField(max_length=40)
    category = CharField(max_length=20)
    text = TextField()
    contact = CharField(max_length=254, default="")
    language = CharField(max_length=2, default="id")
    status = CharField(max_length=10, default=ComplaintStatus.OPEN)   # ComplaintStatus
    created_at = DateTimeField(index=True)     # also the per-kiosk per-minute limit's look-up
    closed_at = DateTimeField(null=True)
    closing_note = TextField(default="")


class StaffEvent(BaseModel):
    """Audit trail of staff actions and PIN failures (rate limiting survives restarts)."""
    id = AutoField()
    kiosk = CharField(max_length=40)
    kind = CharField(max_length=30)     # pin_ok | pin_failed | exit | reload_config | …
    detail = TextField(default="")
    at = DateTimeField(index=True)


class IdentityKey(BaseModel):
    """The fingerprint of ``data/identity.key`` (an HMAC under the key, never the key itself), so a
    lost or swapped key file is noticed instead of silently replaced (``kiosk.core.identity``)."""
    fingerprint = CharField(max_length=64, primary_key=True)
    created_at = DateTimeField()


class StaffAccount(BaseModel):
    """A desk or admin login for `kiosk serve` (``kiosk.core.staff_accounts``); argon2 hash only."""
    id = AutoField()
    name = CharField(max_length=40, unique=True)
    role = CharField(max_length=10)                 # desk | admin
    password_hash = CharField(max_length=200)
    active = BooleanField(default=True)
    created_at = DateTimeField()
    password_changed_at = DateTimeField()


class StaffLogin(BaseModel):
    """Every login attempt, so a lockout survives a restart of the web server."""
    id = AutoField()
    name = CharField(max_length=40, index=True)     # as typed (an unknown name is locked out too)
    ok = BooleanField()
    address = CharField(max_length=60, default="")
    at = DateTimeField(index=True)


class AuditEntry(BaseModel):
    """One staff action on the web (call, recall, done, login …) or an account change from the CLI."""
    id = AutoField()
    at = DateTimeField(index=True)
    staff = CharField(max_length=40)
    action = CharField(max_length=30)
    detail = TextField(default="")
    address = CharField(max_length=60, default="")


class Call(BaseModel):
    """A number announced at a counter (a recall is a new row): the lobby display's feed."""
    id = AutoField()
    ticket = ForeignKeyField(Ticket, backref="calls", on_delete="CASCADE")
    counter = CharField(max_length=20)
    staff = CharField(max_length=40, default="")
    recall = BooleanField(default=False)
    at = DateTimeField(index=True)


class TicketLink(BaseModel):
    """The unguessable token of a ticket's phone page (``/q/<token>``), valid on the ticket's day."""
    ticket = ForeignKeyField(Ticket, primary_key=True, backref="links", on_delete="CASCADE")
    token = CharField(max_length=40, unique=True)


class VisitorAccount(BaseModel):
    """A visitor's online account (``kiosk.core.accounts``): argon2 hash only; deleted on request (UU PDP)."""
    id = AutoField()
    email = CharField(max_length=254, unique=True)      # lower case: the same person as a guestbook e-mail
    full_name = CharField(max_length=120)
    phone = CharField(max_length=20)
    institution_name = CharField(max_length=160, default="")
    occupation = CharField(max_length=30, default="")
    password_hash = CharField(max_length=200)
    consent_version = CharField(max_length=20)
    consent_at = DateTimeField()
    verified_at = DateTimeField(null=True)
    created_at = DateTimeField()
    password_changed_at = DateTimeField()


class AccountToken(BaseModel):
    """A one-time link sent by e-mail (verify, reset): only its SHA-256 is stored."""
    id = AutoField()
    account = ForeignKeyField(VisitorAccount, backref="tokens", on_delete="CASCADE")
    purpose = CharField(max_length=10)                  # verify | reset
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField()
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class OnlineAttempt(BaseModel):
    """Every register / login / reset / download attempt, per address and per account key, so rate limits and
    lockouts survive a restart and hold across servers on one database."""
    id = AutoField()
    action = CharField(max_length=12)
    key = CharField(max_length=80, index=True)          # "ip:<address>" or "acct:<sha256 of the e-mail>"
    ok = BooleanField()
    at = DateTimeField(index=True)


class OnlineDownload(BaseModel):
    """A stamped copy offered to one account (``kiosk.core.online``) until ``expires_at``."""
    id = AutoField()
    account = ForeignKeyField(VisitorAccount, backref="downloads", on_delete="CASCADE")
    request = ForeignKeyField(SoftcopyRequest, backref="downloads", on_delete="CASCADE")
    publication = ForeignKeyField(Publication, backref="downloads", on_delete="CASCADE")
    file_path = CharField(max_length=500)
    created_at = DateTimeField()
    expires_at = DateTimeField()


class CheckinToken(BaseModel):
    """The guestbook-on-the-phone link shown as a QR by one kiosk session (``kiosk.core.checkin``):
    only its SHA-256 is stored; one use, minutes long."""
    id = AutoField()
    token_hash = CharField(max_length=64, unique=True)
    kiosk = CharField(max_length=40)
    session_key = CharField(max_length=64, index=True)  # the kiosk session's own random key
    created_at = DateTimeField()
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    visit_id = IntegerField(null=True)                  # the visit the phone's form made
    # what the kiosk session had when it showed the code: the phone's visit gets the same
    ticket_id = IntegerField(null=True)
    consent_at = DateTimeField(null=True)
    consent_version = CharField(max_length=20, default="")
    language = CharField(max_length=2, default="id")


MODELS: tuple[type[BaseModel], ...] = (
    SchemaVersion, Ticket, Visitor, Locker, Visit, LockerAssignment, Publication, SoftcopyRequest,
    SoftcopyItem, OutboxMail, SurveyResponse, Complaint, StaffEvent, IdentityKey,
    StaffAccount, StaffLogin, AuditEntry, Call, TicketLink,
    VisitorAccount, AccountToken, OnlineAttempt, OnlineDownload, CheckinToken,
)
