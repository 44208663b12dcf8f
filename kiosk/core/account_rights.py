"""A visitor's rights over an online account's data (UU PDP 27/2022): see everything held about them, and
delete the account. Beside ``kiosk.core.accounts`` (which makes and checks accounts)."""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from kiosk.core.accounts import check_own_password, email_key
from kiosk.core.db import write_transaction
from kiosk.core.models import (Complaint, OnlineAttempt, OnlineDownload, SoftcopyRequest, Visit, Visitor,
                               VisitorAccount, database)

log = logging.getLogger(__name__)


def _when(value) -> str | None:
    return value.isoformat() + "Z" if isinstance(value, dt.datetime) else None


def export_data(account_id: int) -> dict:
    """Everything held about the account's person (UU PDP: the right to access): the account, the walk-in
    guestbook answers and visits under the same e-mail, softcopy requests and online downloads, complaints
    left with that e-mail as contact. Times in UTC."""
    row = VisitorAccount.get_by_id(account_id)
    email = row.email
    visitors = list(Visitor.select().where(Visitor.email == email).order_by(Visitor.id))
    visits = list(Visit.select().where(Visit.visitor.in_([v.id for v in visitors])).order_by(Visit.id)) if visitors else []
    return {
        "account": {"email": row.email, "full_name": row.full_name, "phone": row.phone,
                    "institution_name": row.institution_name, "occupation": row.occupation,
                    "consent_version": row.consent_version, "consent_at": _when(row.consent_at),
                    "verified_at": _when(row.verified_at), "created_at": _when(row.created_at)},
        "guestbook": [{"full_name": v.full_name, "email": v.email, "phone": v.phone, "gender": v.gender,
                       "age_group": v.age_group, "birth_year": v.birth_year, "education": v.education,
                       "occupation": v.occupation, "institution_name": v.institution_name,
                       "institution_type": v.institution_type, "created_at": _when(v.created_at)} for v in visitors],
        "visits": [{"kiosk": v.kiosk, "service": v.service_code, "purpose": v.purpose, "purpose_detail": v.purpose_detail,
                    "id_type": v.id_type, "id_number_masked": v.id_number_masked, "started_at": _when(v.started_at),
                    "ended_at": _when(v.ended_at)} for v in visits],
        "softcopy_requests": [{"number": r.number, "name": r.name, "email": r.email, "purpose": r.purpose,
                               "status": r.status, "created_at": _when(r.created_at),
                               "publications": [i.publication.title for i in r.items]}
                              for r in SoftcopyRequest.select().where(SoftcopyRequest.email == email)
                              .order_by(SoftcopyRequest.id)],
        "online_downloads": [{"request": d.request.number, "publication": d.publication.title,
                              "created_at": _when(d.created_at), "expires_at": _when(d.expires_at)}
                             for d in OnlineDownload.select().where(OnlineDownload.account == account_id)],
        "complaints": [{"reference": c.reference, "category": c.category, "text": c.text,
                        "created_at": _when(c.created_at)}
                       for c in Complaint.select().where(Complaint.contact == email)],
    }


def delete(account_id: int, password: str) -> int:
    """Delete the account, its links and its downloads (files too) after the password is given again.
    Walk-in guestbook visits stay under the office's retention (``kiosk.core.privacy`` purges them) — they
    are records of visits, not of the account. Returns the number of download files removed."""
    check_own_password(account_id, password)
    files = [d.file_path for d in OnlineDownload.select(OnlineDownload.file_path)
             .where(OnlineDownload.account == account_id)]
    with write_transaction(database.obj):
        email = VisitorAccount.get_by_id(account_id).email
        VisitorAccount.delete().where(VisitorAccount.id == account_id).execute()   # cascades tokens, downloads
        OnlineAttempt.delete().where(OnlineAttempt.key == email_key(email)).execute()
    removed = 0
    for name in files:
        try:
            Path(name).unlink()
            removed += 1
        except FileNotFoundError:
            pass
    log.info("account %d deleted at the visitor's request (%d download files removed)", account_id, removed)
    return removed
