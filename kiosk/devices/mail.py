"""Outgoing mail: one small interface, the kind chosen by ``[mail]``.

``SmtpSender`` talks SMTP (``starttls`` | ``ssl`` | ``none``) with an explicit timeout;
``KeepInOutbox`` (``mail.enabled = false``) refuses every send so messages wait in the outbox.
Errors are typed so the outbox can decide: ``TemporaryMailError`` → try again later,
``PermanentMailError`` → the server said no for good (``MessageTooLarge`` when it is the size).

``send`` calls ``before_data()`` after the server has accepted sender and recipient and just
before the message itself goes out: from then on the server may deliver it, so the outbox
records that moment (see ``kiosk.core.outbox`` for why).
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from typing import Callable

from kiosk.core.config import MailSettings
from kiosk.core.ports import (  # noqa: F401  (the errors are part of this device's interface)
    MailDisabled, MailError, MailSender, MessageTooLarge, PermanentMailError, TemporaryMailError,
)

log = logging.getLogger(__name__)


class KeepInOutbox:
    def send(self, raw: bytes, sender: str, recipient: str, before_data: Callable[[], None]) -> None:
        raise MailDisabled("mail.enabled is false: the message stays in the outbox")


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"[:300]


def _check(code: int, message: bytes, what: str, ok: tuple[int, ...] = (250,)) -> None:
    if code in ok:
        return
    detail = f"{what}: {_reply(code, message)}"
    if code == 552:
        raise MessageTooLarge(detail, code)
    if 500 <= code < 600:
        raise PermanentMailError(detail, code)
    raise TemporaryMailError(detail)


class SmtpSender:
    def __init__(self, settings: MailSettings):
        self.settings = settings

    def _password(self) -> str:
        s = self.settings
        if s.password_file is not None:
            try:
                return s.password_file.read_text(encoding="utf-8").strip("\r\n")
            except OSError as exc:
                raise TemporaryMailError(f"mail.password_file {s.password_file}: {exc.strerror}") from None
        return s.password

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=ssl.create_default_context())
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
        if s.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def probe(self) -> str:
        """``kiosk doctor``: connect, EHLO (STARTTLS or SSL as configured) and log in when a user is set;
        sends nothing. Returns one line, or raises ``TemporaryMailError`` naming what failed. Bounded by
        ``timeout_s`` per step, like ``send``."""
        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            smtp = self._connect()
        except smtplib.SMTPResponseException as exc:
            raise TemporaryMailError(f"{where}: {_reply(exc.smtp_code, exc.smtp_error)}", exc.smtp_code) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryMailError(f"{where}: {exc!r}") from None
        try:
            code, message = smtp.ehlo()
            if code != 250:
                raise TemporaryMailError(f"{where}: EHLO answered {_reply(code, message)}", code)
            if s.username:
                try:
                    smtp.login(s.username, self._password())
                except smtplib.SMTPAuthenticationError as exc:
                    raise TemporaryMailError(f"{where}: login refused: {_reply(exc.smtp_code, exc.smtp_error)}",
                                             exc.smtp_code) from None
            return f"{where} answers EHLO" + (f" and accepts the login of {s.username}" if s.username else "")
        except smtplib.SMTPResponseException as exc:
            raise TemporaryMailError(f"{where}: {_reply(exc.smtp_code, exc.smtp_error)}", exc.smtp_code) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryMailError(f"{where}: {exc!r}") from None
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def send(self, raw: bytes, sender: str, recipient: str, before_data: Callable[[], None]) -> None:
        s = self.settings
        try:
            smtp = self._connect()
        except smtplib.SMTPResponseException as exc:
            raise TemporaryMailError(f"{s.host}:{s.port}: {_reply(exc.smtp_code, exc.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as exc:   # refused, unreachable, timeout, TLS
            raise TemporaryMailError(f"{s.host}:{s.port}: {exc!r}") from None
        try:
            smtp.ehlo_or_helo_if_needed()
            if s.username:
                try:
                    smtp.login(s.username, self._password())
                except smtplib.SMTPAuthenticationError as exc:
                    # a kiosk configuration problem, not the visitor's: keep the message
                    raise TemporaryMailError(f"login refused: {_reply(exc.smtp_code, exc.smtp_error)}") from None
            options = [f"SIZE={len(raw)}"] if smtp.has_extn("size") else []
            _check(*smtp.mail(sender, options), "MAIL FROM")
            _check(*smtp.rcpt(recipient), "RCPT TO", ok=(250, 251))
            before_data()
            _check(*smtp.data(raw), "DATA")
        except smtplib.SMTPResponseException as exc:
            _check(exc.smtp_code, exc.smtp_error, "SMTP")
            raise TemporaryMailError(f"SMTP: {exc!r}") from None    # pragma: no cover (2xx raised)
        except (OSError, smtplib.SMTPException) as exc:   # dropped connection, timeout
            raise TemporaryMailError(f"{s.host}:{s.port}: {exc!r}") from None
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def make_sender(settings: MailSettings) -> MailSender:
    return SmtpSender(settings) if settings.enabled else KeepInOutbox()
