"""Rating and complaining online (issue 16.5): an account's SKM response and its complaints.

*SKM.* The nine elements of ``kiosk.core.survey`` (its scale and checks). The official IKM stays one response
per service user: an account answers once per ``[online] survey_period`` (the unique ``online_key``
"<account>:<period>" settles two requests at once), and that response is ``ResponseSource.ONLINE``, counted in
the official IKM as a visit's is (``survey.responses_between``). The account's occupation is copied as a
visit's profile is; the other profile fields are not asked online.

*Complaints.* ``kiosk.core.complaints`` (categories, validation, the ADU-YYYYMMDD-NNNN reference), filed from
the kiosk name "web" with the account's e-mail as the contact; at most ``[online]
complaints_per_account_per_day`` per account (the kiosks' per-minute limit would let one person block
everyone's complaints on the web).
"""
from __future__ import annotations

from typing import Sequence

from peewee import IntegrityError

from kiosk.core import complaints, models, survey
from kiosk.core.clock import Clock, local, to_utc_naive
from kiosk.core.config import Settings
from kiosk.core.db import write_transaction
from kiosk.core.errors import LimitReached, N_, ValidationError
from kiosk.core.statuses import ResponseSource

WEB_KIOSK = "web"
TOO_MANY = N_("You have sent as many complaints as we accept from one account in a day. Please use one of the "
              "channels below, or come back tomorrow.")


class AlreadyRated(survey.AlreadyAnswered):
    visitor_message = N_("You have already rated our service for this period. Thank you!")


def period_of(settings: Settings, clock: Clock) -> str:
    """The survey period containing today (office time): "2026-12", "2026-Q4", "2026-S2" or "2026"."""
    today = local(clock.now(), settings.office.timezone).date()
    kind = settings.online.survey_period
    if kind == "month":
        return f"{today:%Y-%m}"
    if kind == "quarter":
        return f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    if kind == "semester":
        return f"{today.year}-S{(today.month - 1) // 6 + 1}"
    return str(today.year)


def _key(settings: Settings, clock: Clock, account_id: int) -> str:
    return f"{account_id}:{period_of(settings, clock)}"


def has_rated(settings: Settings, clock: Clock, account_id: int) -> bool:
    return models.SurveyResponse.select().where(
        models.SurveyResponse.online_key == _key(settings, clock, account_id)).exists()


def rate(settings: Settings, clock: Clock, account_id: int, scores: Sequence[int], comment: str = "",
         language: str = "id") -> models.SurveyResponse:
    answers = survey.check_scores(scores)
    comment = (comment or "").strip()
    if len(comment) > survey.COMMENT_MAX:
        raise ValidationError({"comment": N_("The comment is too long (at most 1000 characters).")})
    account = models.VisitorAccount.get_by_id(account_id)
    key = _key(settings, clock, account_id)
    try:
        with write_transaction(models.database.obj):
            if models.SurveyResponse.select().where(models.SurveyResponse.online_key == key).exists():
                raise AlreadyRated(f"account {account_id} already rated in {key}")
            return models.SurveyResponse.create(
                kiosk=WEB_KIOSK, language=language, comment=comment, created_at=to_utc_naive(clock.now()),
                source=ResponseSource.ONLINE, online_key=key, occupation=account.occupation,
                **{e.field: s for e, s in zip(survey.ELEMENTS, answers)})
    except IntegrityError:
        raise AlreadyRated(f"account {account_id} already rated in {key}") from None


def complain(settings: Settings, clock: Clock, account_id: int, category: str, text: str,
             language: str = "id") -> models.Complaint:
    account = models.VisitorAccount.get_by_id(account_id)
    midnight = local(clock.now(), settings.office.timezone).replace(hour=0, minute=0, second=0, microsecond=0)
    c = models.Complaint
    today = c.select().where(c.kiosk == WEB_KIOSK, c.contact == account.email,
                             c.created_at >= to_utc_naive(midnight)).count()
    if today >= settings.online.complaints_per_account_per_day:
        raise LimitReached(f"account {account_id}: {today} complaints today", TOO_MANY)
    return complaints.file_complaint(clock, settings.office.timezone, WEB_KIOSK, category, text, account.email,
                                     language=language)
