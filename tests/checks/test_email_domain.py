"""The email domain check against a real DNS server, SMTP servers and an HTTPS server on
loopback: each finding passes on a zone built for it and fails on one built against it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.checks.email_domain import PORT_25_NOTE, check_email_domain, email_domain
from bot.checks.findings import CheckResult
from tests.checks.conftest import FAST
from tests.checks.servers import DnsServer, Route, SmtpServer, TestCA, WebServer, sts_policy

pytestmark = pytest.mark.usefixtures("allow_loopback")
_names = itertools.count()


@dataclass
class Mail:
    """Fresh email domains in the loopback DNS, each with its own MTA-STS policy server."""

    dns: DnsServer
    ca: TestCA
    smtp: SmtpServer
    sts: dict[str, WebServer] = field(default_factory=dict)

    def domain(self, sts_mode: str = "enforce", **zone: Any) -> str:
        name = f"d{next(_names)}.test"
        self.dns.add_mail(name, **zone)
        server = WebServer(self.ca.context(f"mta-sts.{name}"))
        server.routes["/.well-known/mta-sts.txt"] = Route(
            headers={"Content-Type": "text/plain"}, body=sts_policy(sts_mode, f"mail.{name}"))
        self.sts[name] = server
        return name

    def check(self, domain: str, smtp: SmtpServer | int | None = None,
              **options: Any) -> CheckResult:
        port = smtp if isinstance(smtp, int) else (smtp or self.smtp).port
        return check_email_domain(domain, smtp_port=port, https_port=self.sts[domain].port,
                                  **options)


@pytest.fixture()
def mail(dns_server: DnsServer, test_ca: TestCA, smtp_starttls: SmtpServer) -> Iterator[Mail]:
    made = Mail(dns_server, test_ca, smtp_starttls)
    yield made
    for server in made.sts.values():
        server.stop()


def statuses(result: CheckResult) -> dict[str, str]:
    return {finding.id: finding.status for finding in result.findings}


def finding(result: CheckResult, finding_id: str) -> str:
    found = next(f for f in result.findings if f.id == finding_id)
    return f"{found.message} {found.fix}"


def test_a_well_set_up_domain_passes_everything(mail: Mail) -> None:
    result = mail.check(mail.domain())
    assert result.outcome == "checked"
    assert statuses(result) == {
        "mx": "pass", "spf": "pass", "spf_policy": "pass", "spf_lookups": "pass", "dkim": "pass",
        "dmarc": "pass", "dmarc_reports": "pass", "mta_sts": "pass", "tls_rpt": "pass",
        "starttls": "pass", "dnssec": "pass",
    }
    assert result.score() == 100
    assert "p=reject" in finding(result, "dmarc")
    assert "confirmed the signatures" in finding(result, "dnssec")


def test_missing_records_fail() -> None:
    result = check_email_domain("missing.test")
    found = statuses(result)
    assert (found["mx"], found["spf"], found["dmarc"]) == ("fail", "fail", "fail")
    assert "no MX records" in finding(result, "mx")
    assert "no SPF record" in finding(result, "spf")
    assert "no DMARC record" in finding(result, "dmarc")


@pytest.mark.parametrize("spf, status, words", [
    ("v=spf1 ip4:192.0.2.0/24 -all", "pass", "-all"),
    ("v=spf1 ip4:192.0.2.0/24 ~all", "pass", "~all"),
    ("v=spf1 ip4:192.0.2.0/24 ?all", "warning", "?all"),
    ("v=spf1 ip4:192.0.2.0/24", "warning", "doesn't say what to do"),
    ("v=spf1 a mx +all", "fail", "+all"),
])
def test_the_spf_policy(mail: Mail, spf: str, status: str, words: str) -> None:
    result = mail.check(mail.domain(spf=spf))
    assert statuses(result)["spf_policy"] == status
    assert words in finding(result, "spf_policy")


def test_two_spf_records_fail(dns_server: DnsServer) -> None:
    result = check_email_domain("twospf.test")
    assert statuses(result)["spf"] == "fail"
    assert "2 SPF records" in finding(result, "spf")


def test_more_than_ten_spf_lookups_fail_and_ten_pass(mail: Mail) -> None:
    over = mail.check(mail.domain(spf_includes=11))
    assert statuses(over)["spf_lookups"] == "fail"
    assert "11 DNS lookups" in finding(over, "spf_lookups")
    within = mail.check(mail.domain(spf_includes=10))
    assert statuses(within)["spf_lookups"] == "pass"
    assert "10 of the 10" in finding(within, "spf_lookups")


def test_dkim_is_found_on_a_common_selector_or_reported_as_not_found(mail: Mail) -> None:
    assert statuses(mail.check(mail.domain(dkim={"k1": "v=DKIM1; k=rsa; p=MIGfMA0G"})))["dkim"] == "pass"
    absent = mail.check(mail.domain(dkim={}))
    assert statuses(absent)["dkim"] == "warning"
    assert "no DKIM key on the usual selector names" in finding(absent, "dkim")
    revoked = mail.check(mail.domain(dkim={"default": "v=DKIM1; p="}))
    assert statuses(revoked)["dkim"] == "warning"


def test_microsoft_365_is_named_and_its_dkim_step_given(mail: Mail) -> None:
    domain = mail.domain(mx="contoso-test.mail.protection.outlook.com", dkim={})
    result = mail.check(domain)
    assert result.provider == "microsoft_365" and result.provider_name == "Microsoft 365"
    assert "Microsoft 365" in finding(result, "mx")
    assert "Microsoft Defender portal" in finding(result, "dkim")
    assert "selector1" in finding(result, "dkim")
    signed = mail.check(mail.domain(mx="contoso-test.mail.protection.outlook.com",
                                    dkim={"selector1": "v=DKIM1; k=rsa; p=MIGfMA0G"}))
    assert statuses(signed)["dkim"] == "pass" and "selector1" in finding(signed, "dkim")


def test_google_workspace_is_named_and_its_dkim_step_given(mail: Mail) -> None:
    result = mail.check(mail.domain(mx="aspmx.l.google.com", dkim={}))
    assert result.provider == "google_workspace"
    assert "Google Admin console" in finding(result, "dkim")
    assert "include:_spf.google.com" not in finding(result, "spf")  # SPF is there already
    no_spf = mail.check(mail.domain(mx="aspmx.l.google.com", spf=None))
    assert "include:_spf.google.com" in finding(no_spf, "spf")


def test_an_unknown_provider_is_none(mail: Mail) -> None:
    result = mail.check(mail.domain())
    assert result.provider == "" and "handled by" not in finding(result, "mx")


@pytest.mark.parametrize("dmarc, status, words", [
    ("v=DMARC1; p=quarantine; rua=mailto:d@{domain}", "pass", "spam"),
    ("v=DMARC1; p=none; rua=mailto:d@{domain}", "warning", "only watches"),
    ("v=DMARC1; p=quarantine; pct=50; rua=mailto:d@{domain}", "warning", "50%"),
])
def test_the_dmarc_policy(mail: Mail, dmarc: str, status: str, words: str) -> None:
    result = mail.check(mail.domain(dmarc=dmarc))
    assert statuses(result)["dmarc"] == status
    assert words in finding(result, "dmarc")


def test_dmarc_without_reports_is_a_warning(mail: Mail) -> None:
    result = mail.check(mail.domain(dmarc="v=DMARC1; p=reject"))
    assert statuses(result)["dmarc"] == "pass"
    assert statuses(result)["dmarc_reports"] == "warning"
    assert "rua" in finding(result, "dmarc_reports")


def test_mta_sts_enforced_testing_missing_or_unreadable(mail: Mail) -> None:
    result = mail.check(mail.domain(sts_mode="testing"))
    assert statuses(result)["mta_sts"] == "warning" and "testing mode" in finding(result, "mta_sts")
    assert statuses(mail.check(mail.domain(mta_sts=None)))["mta_sts"] == "warning"
    unreadable = mail.domain()
    mail.sts[unreadable].routes["/.well-known/mta-sts.txt"] = Route(404, {}, b"not here")
    result = mail.check(unreadable)
    assert statuses(result)["mta_sts"] == "fail" and "couldn't fetch" in finding(result, "mta_sts")


def test_tls_rpt(mail: Mail) -> None:
    assert statuses(mail.check(mail.domain(tls_rpt=False)))["tls_rpt"] == "warning"
    assert statuses(mail.check(mail.domain()))["tls_rpt"] == "pass"


def test_starttls_missing_fails(mail: Mail, smtp_plain: SmtpServer) -> None:
    result = mail.check(mail.domain(), smtp=smtp_plain)
    assert statuses(result)["starttls"] == "fail"
    assert "unencrypted" in finding(result, "starttls")


def test_a_blocked_port_25_is_a_note_not_a_failure(mail: Mail) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on: the connection is refused
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    result = mail.check(mail.domain(), smtp=closed)
    assert "starttls" not in statuses(result)
    assert PORT_25_NOTE.format(seconds=5) in result.notes


def test_an_mx_pointing_inside_a_private_network_is_refused_not_contacted(mail: Mail) -> None:
    result = mail.check(mail.domain(mx_address="10.0.0.5"))
    assert statuses(result)["starttls"] == "fail"
    assert "private or local address" in finding(result, "starttls")


def test_an_unsigned_domain_gets_a_dnssec_warning(mail: Mail) -> None:
    result = mail.check(mail.domain(signed=False))
    assert statuses(result)["dnssec"] == "warning"
    assert "DNSSEC" in finding(result, "dnssec")


def test_a_domain_that_does_not_exist_is_reported_plainly() -> None:
    result = check_email_domain("nowhere.test")
    assert result.outcome == "unreachable"
    assert "couldn't find that domain" in result.problem


def test_a_silent_mail_server_is_given_up_on_within_its_time_limit(
        mail: Mail, silent: Any) -> None:
    import time

    started = time.monotonic()
    result = mail.check(mail.domain(), smtp=silent.port, limits=FAST)
    assert time.monotonic() - started < FAST.total
    assert "starttls" not in statuses(result)
    assert result.notes and "port 25" in result.notes[0]


@pytest.mark.parametrize("typed, domain", [
    ("good.test", "good.test"),
    ("Good.Test.", "good.test"),
    ("accounts@good.test", "good.test"),
    ("https://www.good.test/contact", "good.test"),
])
def test_the_domain_is_taken_from_what_the_owner_typed(typed: str, domain: str) -> None:
    assert email_domain(typed) == domain
    assert check_email_domain(typed, smtp_port=1).outcome == "checked"


def test_a_signed_parent_does_not_make_an_unsigned_domain_signed(mail: Mail) -> None:
    """As co.uk is signed while example.co.uk may not be: here the suffix "test" is signed."""
    from tests.checks.servers import ZONE_KEY

    mail.dns.add({("test", "DNSKEY"): [ZONE_KEY]})
    unsigned = mail.domain(signed=False)
    assert {f.id: f.status for f in mail.check(unsigned).findings}["dnssec"] == "warning"
    # A name below a signed registered domain is judged by that domain.
    parent = mail.domain()
    child = f"shop.{parent}"
    mail.dns.add({(child, "MX"): mail.dns.records[(parent, "MX")]})
    result = check_email_domain(child, smtp_port=1)
    assert {f.id: f.status for f in result.findings}["dnssec"] == "pass"
