"""Outgoing mail: one small interface, the kind chosen by ``[mail]``.

``SmtpSender`` talks SMTP (``starttls`` | ``ssl`` | ``none``); ``KeepInOutbox`` (``mail.enabled =
false``) refuses every send so messages wait in the outbox. Errors are typed so the outbox can decide:
``TemporaryMailError`` → the server certainly does not have it, try again later;
``PermanentMailError`` → the server said no for good (``MessageTooLarge`` when it is the size);
``DeliveryUnknown`` → the end of the message went out but no clear answer came back: maybe delivered.

``mail.timeout_s`` bounds each operation — the connection, each reply, each chunk of the message —
never the whole transfer: a 20 MB softcopy on a slow uplink takes minutes and must still go out.
So the message is written in ``CHUNK`` pieces (``sendall``'s timeout covers the whole call since
Python 3.5) and DATA is spoken here with smtplib's public ``docmd``/``send``/``getreply``.

``send`` calls ``before_data()`` once the server has the whole message except its end marker:
until that ``.`` line the server cannot deliver anything (a connection lost mid-transfer discards
it), from then on it may. The outbox records that moment (see ``kiosk.core.outbox`` for why).
"""
from __future__ import annotations

import logging
import re
import smtplib
import ssl
from typing import Callable

from kiosk.core.config import MailSettings
from kiosk.core.ports import (  # noqa: F401  (the errors are part of this device's interface)
    DeliveryUnknown, MailDisabled, MailError, MailSender, MessageTooLarge, PermanentMailError, TemporaryMailError,
)

log = logging.getLogger(__name__)

CHUNK = 64 * 1024    # one socket write, each with its own timeout: ≥ 3 KB/s keeps a transfer going at 20 s
END = b".\r\n"


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
    raise TemporaryMailError(detail, code)


def dot_stuffed(raw: bytes) -> bytes:
    """The message as DATA carries it (RFC 5321 4.5.2): a line starting with "." gets a second one,
    and it ends with CRLF so the end marker stands on its own line. ``raw`` has CRLF line ends."""
    body = re.sub(rb"(?m)^\.", b"..", raw)
    return body if body.endswith(b"\r\n") else body + b"\r\n"


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
        # timeout_s becomes the socket's timeout: it bounds the connect and every single read or write
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
        where = f"{s.host}:{s.port}"
        try:
            smtp = self._connect()
        except smtplib.SMTPResponseException as exc:
            raise TemporaryMailError(f"{where}: {_reply(exc.smtp_code, exc.smtp_error)}", exc.smtp_code) from None
        except (OSError, smtplib.SMTPException) as exc:   # refused, unreachable, timeout, TLS
            raise TemporaryMailError(f"{where}: {exc!r}") from None
        in_data = False
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
            _check(*smtp.docmd("DATA"), "DATA", ok=(354,))
            in_data = True
            body = dot_stuffed(raw)
            for start in range(0, len(body), CHUNK):
                smtp.send(body[start:start + CHUNK])
            before_data()
            self._finish_data(smtp, where)
            in_data = False
        except smtplib.SMTPResponseException as exc:
            _check(exc.smtp_code, exc.smtp_error, "SMTP")
            raise TemporaryMailError(f"SMTP: {exc!r}") from None    # pragma: no cover (2xx raised)
        except (OSError, smtplib.SMTPException) as exc:
            # dropped or timed out before the end marker: the server discards a message it never saw end
            raise TemporaryMailError(f"{where}: {exc!r}") from None
        finally:
            if in_data:
                smtp.close()      # mid-message a QUIT would only become part of the message
            else:
                try:
                    smtp.quit()
                except (OSError, smtplib.SMTPException):
                    smtp.close()

    @staticmethod
    def _finish_data(smtp: smtplib.SMTP, where: str) -> None:
        """Send the end marker and read the server's verdict; anything but a reply is unknown."""
        try:
            smtp.send(END)
            code, message = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryUnknown(f"{where}: no answer to the end of the message ({exc!r})") from None
        if 200 <= code < 300:
            return
        if not 400 <= code < 600:   # a garbled reply says nothing about the message
            raise DeliveryUnknown(f"{where}: unreadable answer to the end of the message: {_reply(code, message)}")
        _check(code, message, "end of DATA")


def make_sender(settings: MailSettings) -> MailSender:
    return SmtpSender(settings) if settings.enabled else KeepInOutbox()
