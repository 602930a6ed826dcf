"""Does a mail server offer STARTTLS? A bounded SMTP EHLO on port 25, then the upgrade.

``smtplib`` connects through :func:`bot.checks.safe_socket.connect`, so a mail server
name that points inside a private network is refused like any web address. Many home
and cloud networks block outgoing port 25; when no mail server can be reached at all the
result says so, rather than blaming the domain.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
from dataclasses import dataclass
from typing import Literal, Sequence

from bot.checks.address_policy import AddressRefused, IPNetwork, Resolver
from bot.checks.budget import Budget
from bot.checks.safe_socket import Unreachable, connect

SMTP_PORT = 25
EHLO_NAME = "check.sme-cyber-assistant.invalid"

Outcome = Literal["starttls", "no_starttls", "tls_failed", "unreachable", "silent", "refused"]


@dataclass(frozen=True)
class SmtpProbe:
    host: str
    outcome: Outcome


class _VettedSMTP(smtplib.SMTP):
    """smtplib, but every connection goes through the address policy."""

    _host: str  # the name smtplib gives the TLS handshake

    def __init__(self, resolver: Resolver, budget: Budget,
                 allowance: Sequence[IPNetwork] | None) -> None:
        self._resolver, self._budget, self._allowance = resolver, budget, allowance
        super().__init__(local_hostname=EHLO_NAME, timeout=budget.read_timeout())

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return connect(host, port, resolver=self._resolver, budget=self._budget,
                       allowance=self._allowance)


def probe(host: str, *, resolver: Resolver, budget: Budget, port: int = SMTP_PORT,
          allowance: Sequence[IPNetwork] | None = None) -> SmtpProbe:
    """Connect, EHLO, and if STARTTLS is offered, complete the TLS handshake."""
    smtp = _VettedSMTP(resolver, budget, allowance)
    try:
        smtp.connect(host, port)
        smtp._host = host  # smtplib only sets it when given the host at construction
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            return SmtpProbe(host, "no_starttls")
        context = ssl.create_default_context()
        context.check_hostname = False  # most mail servers' names are not checked by senders
        context.verify_mode = ssl.CERT_NONE
        try:
            smtp.starttls(context=context)
        except (ssl.SSLError, smtplib.SMTPException, ConnectionError):
            return SmtpProbe(host, "tls_failed")
        return SmtpProbe(host, "starttls")
    except AddressRefused:
        return SmtpProbe(host, "refused")
    except Unreachable:
        return SmtpProbe(host, "unreachable")
    except TimeoutError:
        return SmtpProbe(host, "silent")
    except (smtplib.SMTPException, OSError):
        return SmtpProbe(host, "silent")
    finally:
        with contextlib.suppress(OSError):
            smtp.close()
