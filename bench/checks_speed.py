"""How long a whole website-plus-email check takes, with every server answering and with
every server silent, against real servers on loopback (the tests' servers).

Scenarios: *answering* (DNS, HTTPS, MTA-STS and SMTP with STARTTLS all answer);
*servers silent* (DNS answers, but the web, MTA-STS and SMTP servers accept the connection
and never say a word); *DNS silent* (the DNS server reads queries and never answers).
The check runs with its production time limits. Targets: <= 10 s answering, <= 20 s silent.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Callable

from bench.report_file import write_section
from bot.checks.budget import DEFAULT_LIMITS
from bot.checks.full import check_domain
from tests.checks.servers import (
    DnsServer,
    Route,
    SilentDns,
    SilentServer,
    SmtpServer,
    TestCA,
    WebServer,
    sts_policy,
)

START, END = "<!-- checks:start -->", "<!-- checks:end -->"
TARGETS = {"answering": 10.0, "servers silent": 20.0, "DNS silent": 20.0}


def _environment(dns: str, bundle: str) -> None:
    os.environ["BOT_CHECKS_TEST_ALLOW"] = "127.0.0.0/8,::1"
    os.environ["BOT_CHECKS_CA_BUNDLE"] = bundle
    os.environ["BOT_CHECKS_DNS_SERVER"] = dns


def measure(rounds: int) -> dict[str, list[float]]:
    ca = TestCA()
    bundle = ca.bundle(str(Path("/tmp") / f"bench-checks-ca-{os.getpid()}.pem"))
    dns = DnsServer()
    site = WebServer(ca.context("shop.bench.test", "mta-sts.bench.test"))
    site.routes["/.well-known/mta-sts.txt"] = Route(
        headers={"Content-Type": "text/plain"}, body=sts_policy("enforce", "mail.bench.test"))
    smtp = SmtpServer(ca.context("mail.bench.test"))
    silent = SilentServer()
    quiet_dns = SilentDns()
    dns.add_mail("bench.test")
    dns.add({("shop.bench.test", "A"): dns.records[("mail.bench.test", "A")]})
    times: dict[str, list[float]] = {name: [] for name in TARGETS}

    def run(name: str, dns_address: str, web_port: int, smtp_port: int) -> None:
        _environment(dns_address, bundle)
        started = time.monotonic()
        website, email = check_domain(f"https://shop.bench.test:{web_port}/", "bench.test",
                                      email_options={"smtp_port": smtp_port,
                                                     "https_port": web_port})
        elapsed = time.monotonic() - started
        if name == "answering":
            assert website.outcome == email.outcome == "checked", (website, email)
        times[name].append(elapsed)

    scenarios: dict[str, Callable[[], None]] = {
        "answering": lambda: run("answering", dns.address, site.port, smtp.port),
        "servers silent": lambda: run("servers silent", dns.address, silent.port, silent.port),
        "DNS silent": lambda: run("DNS silent", quiet_dns.address, silent.port, silent.port),
    }
    for _ in range(rounds):
        for scenario in scenarios.values():
            scenario()
    for server in (site, smtp, silent, quiet_dns, dns):
        server.stop()
    return times


def report(times: dict[str, list[float]], rounds: int) -> str:
    limits = DEFAULT_LIMITS
    rows = []
    met = True
    for name, values in times.items():
        ok = max(values) <= TARGETS[name]
        met = met and ok
        rows.append(f"| {name} | {statistics.median(values):.2f} | {max(values):.2f} | "
                    f"<= {TARGETS[name]:g} s | {'met' if ok else 'NOT met'} |")
    return "\n".join([
        START,
        "## Website and email checks: a whole check, servers answering and silent",
        "",
        f"Measured {date.today().isoformat()} with `python -m bench.checks_speed` "
        f"(`make bench-checks`) on {os.cpu_count()} CPUs ({platform.machine()}, Python "
        f"{platform.python_version()}). One whole check = the website check and the email "
        "check of one domain, run side by side (`bot/checks/full.py`), with the production "
        f"time limits: connect {limits.connect:g} s, read {limits.read:g} s, DNS "
        f"{limits.dns:g} s per query, {limits.total:g} s in all. Servers are real and on "
        "loopback: a dnslib DNS server, an HTTPS server with a test CA's certificate (also "
        "serving the MTA-STS policy) and an aiosmtpd server offering STARTTLS. *Servers "
        "silent*: DNS answers, but every web, MTA-STS and SMTP connection is accepted and "
        "never answered. *DNS silent*: the DNS server never answers either. "
        f"{rounds} rounds; seconds.",
        "",
        "| scenario | median | slowest | target | |",
        "|---|---|---|---|---|",
        *rows,
        "",
        f"Targets: {'met' if met else 'NOT met'}. On loopback an answering server costs almost "
        "nothing, so the answering figure is the checks' own work; on the internet each "
        "answer adds its round trip, and the probes run side by side so those overlap.",
        END,
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", type=Path, help="BENCHMARKS.md to update")
    args = parser.parse_args()
    times = measure(args.rounds)
    section = report(times, args.rounds)
    print(section)
    if args.write:
        write_section(args.write, section, START, END)


if __name__ == "__main__":
    main()
