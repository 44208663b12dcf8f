"""The ``[online]`` section of the config (the library on the web, issue 16), beside ``kiosk.core.config`` so
that module stays under the size rule; it is part of the same schema (``config.SECTIONS``) and of the example.
"""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.configkit import Int, Text, setting


@dataclass(frozen=True)
class OnlineSettings:
    verify_link_hours: int = setting(48, Int(1, 24 * 14), "Hours an account's e-mail verification link stays valid")
    reset_link_minutes: int = setting(60, Int(5, 24 * 60), "Minutes a password-reset link stays valid")
    download_link_hours: int = setting(24, Int(1, 24 * 30),
                                       "Hours a stamped download stays available to its account (then deleted)")
    downloads_per_account_per_day: int = setting(5, Int(1, 100), "Publications one account may download a day")
    attempts_per_address_per_hour: int = setting(
        30, Int(3, 10000), "Registrations, logins and reset requests one network address may make an hour "
        "(an office's shared Wi-Fi is one address: keep it generous)")
    survey_period: str = setting("semester", Text(choices=("month", "quarter", "semester", "year")),
                                 "An account rates the service (SKM) once per this period; the response counts in "
                                 "the official IKM like one visit's")
    complaints_per_account_per_day: int = setting(3, Int(1, 50), "Complaints one account may send online a day")
