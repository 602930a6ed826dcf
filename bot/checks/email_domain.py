"""The email domain check: who handles the mail, and whether the domain protects it.

MX and the provider behind it, SPF (one record, its policy, the 10-lookup limit), DKIM on
the usual selector names, DMARC (policy, ``pct``, reports), MTA-STS, TLS-RPT, STARTTLS on
each mail server, and DNSSEC. ``checkdmarc`` reads SPF, DMARC, MTA-STS and TLS-RPT;
dnspython does the rest. Every DNS query and connection shares the check's time budget,
and the probes run side by side so that a silent server costs one time limit, not many.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

import checkdmarc.dmarc
import checkdmarc.mta_sts
import checkdmarc.smtp_tls_reporting
import checkdmarc.spf
import checkdmarc.utils
import dns.exception
import dns.resolver

from bot.checks.address_policy import AddressRefused, IPNetwork, parse_target
from bot.checks.budget import DEFAULT_LIMITS, Budget, Limits, Raised, run_side_by_side
from bot.checks.dns_lookup import dns_resolver, host_resolver
from bot.checks.dns_records import dnssec_finding
from bot.checks.findings import CheckResult, Finding
from bot.checks.providers import GENERIC_DKIM_STEP, Provider, dkim_selectors, provider_for
from bot.checks.safe_http import FetchFailed, fetch
from bot.checks.smtp_probe import SMTP_PORT, SmtpProbe, probe

ASK = "Ask whoever manages your domain (often your web host or IT provider) to"
MAX_SPF_LOOKUPS = 10
MAX_MX_PROBED = 3
PORT_25_NOTE = ("I couldn't reach your mail servers on port 25 within {seconds:g} seconds. Many "
                "networks block that port, so this says nothing about your servers: ask your "
                "email provider to confirm STARTTLS is on.")
SPF_INCLUDES = {"microsoft_365": "include:spf.protection.outlook.com",
                "google_workspace": "include:_spf.google.com"}


class _NoDomain(Exception):
    pass


def email_domain(address: str) -> str:
    """The domain part of what the owner typed: a domain, an email address or a web address."""
    text = address.strip().strip("<>\"'.,").lower()
    if "@" in text and "://" not in text:
        text = text.rsplit("@", 1)[1]
    try:
        target = parse_target(text, allowance=())
    except AddressRefused as refusal:
        raise AddressRefused(str(refusal).replace("web address", "email domain")) from None
    if target.ip_literal is not None or "." not in target.host:
        raise AddressRefused("Please give me a domain name, like example.co.uk.")
    host = target.host
    return host[4:] if host.startswith("www.") else host


def _txt(resolver: dns.resolver.Resolver, name: str, lifetime: float | None = None) -> list[str]:
    try:
        answer = resolver.resolve(name, "TXT", lifetime=lifetime)
    except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN, dns.resolver.NoNameservers):
        return []
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def _mx_hosts(resolver: dns.resolver.Resolver, domain: str) -> list[str]:
    """MX hosts, most preferred first; raises _NoDomain when the domain does not exist."""
    try:
        answer = resolver.resolve(domain, "MX")
    except dns.resolver.NXDOMAIN:
        raise _NoDomain() from None
    except dns.resolver.NoAnswer:
        return []
    records = sorted(answer, key=lambda r: r.preference)
    return [str(r.exchange).rstrip(".") for r in records if str(r.exchange) not in (".", "")]


def _mx_finding(hosts: Sequence[str], provider: Provider | None) -> Finding:
    if not hosts:
        return Finding("mx", "fail", "The domain has no MX records, so email sent to it may not "
                       "arrive.", f"{ASK} add the MX records your email provider gives you.")
    who = f" Your email is handled by {provider.name}." if provider else ""
    return Finding("mx", "pass", f"The domain has MX records, so email to it can be delivered.{who}")


def _spf_findings(records: Sequence[str], domain: str, resolver: dns.resolver.Resolver,
                  timeout: float, provider: Provider | None) -> list[Finding]:
    spf = [r.strip() for r in records if r.strip().lower().split(" ", 1)[0] == "v=spf1"]
    include = SPF_INCLUDES.get(provider.id, "") if provider else ""
    add = (f"{ASK} add one listing who sends your email"
           + (f" (for {provider.name} it includes {include})." if provider and include else "."))
    if not spf:
        return [Finding("spf", "fail", "There is no SPF record, so anyone can send email that "
                        "claims to be from your domain.", add)]
    if len(spf) > 1:
        return [Finding("spf", "fail", f"There are {len(spf)} SPF records; receivers treat that "
                        "as an error and ignore them all.", f"{ASK} merge them into one.")]
    result = checkdmarc.spf.check_spf(domain, resolver=resolver, timeout=timeout)
    findings = [Finding("spf", "pass", "There is one SPF record, listing who may send your email.")]
    if not result.get("valid") and result.get("dns_lookups") is None:
        error = str(result.get("error", "")).rstrip(".")
        return [Finding("spf", "fail", "The SPF record has a mistake, so receivers may ignore "
                        f"it ({error}).", f"{ASK} correct the SPF record.")]
    findings.append(_spf_policy(spf[0], result.get("parsed") or {}))
    lookups = int(result.get("dns_lookups") or 0)
    if lookups > MAX_SPF_LOOKUPS:
        findings.append(Finding("spf_lookups", "fail", f"The SPF record needs {lookups} DNS "
                                f"lookups; over {MAX_SPF_LOOKUPS}, receivers treat it as broken "
                                "and your genuine email can be rejected.",
                                f"{ASK} remove services you no longer use from it, or flatten "
                                "it, to get under 10 lookups."))
    else:
        findings.append(Finding("spf_lookups", "pass", f"The SPF record needs {lookups} of the "
                                f"{MAX_SPF_LOOKUPS} DNS lookups receivers allow."))
    return findings


def _spf_policy(record: str, parsed: dict[str, Any]) -> Finding:
    terms = record.lower().split()
    last = next((t for t in reversed(terms) if t.lstrip("+-~?") == "all"), "")
    if not last and (parsed.get("redirect") or any(t.startswith("redirect=") for t in terms)):
        return Finding("spf_policy", "pass", "The SPF record points to your provider's, which "
                       "sets what happens to other senders.")
    if last == "-all":
        return Finding("spf_policy", "pass", "SPF ends in -all: receivers are told to reject "
                       "email from servers not on the list.")
    if last == "~all":
        return Finding("spf_policy", "pass", "SPF ends in ~all: receivers are told to distrust "
                       "email from servers not on the list.")
    if last in ("+all", "all"):
        return Finding("spf_policy", "fail", "The SPF record ends in +all, which lets any server "
                       "on the internet send as your domain.", f"{ASK} change it to ~all or -all.")
    if last == "?all":
        return Finding("spf_policy", "warning", "The SPF record ends in ?all, which tells "
                       "receivers nothing about other senders, so it protects little.",
                       f"{ASK} change it to ~all or -all.")
    return Finding("spf_policy", "warning", "The SPF record doesn't say what to do with other "
                   "senders, so it protects little.", f"{ASK} end it with ~all or -all.")


def _tag(tags: dict[str, Any], name: str) -> Any:
    value = tags.get(name)
    return value.get("value") if isinstance(value, dict) else None


def _dmarc_findings(records: Sequence[str], domain: str, resolver: dns.resolver.Resolver,
                    timeout: float) -> list[Finding]:
    dmarc = [r.strip() for r in records if r.strip().lower().replace(" ", "").startswith("v=dmarc1")]
    if not dmarc:
        return [Finding("dmarc", "fail", "There is no DMARC record, so receivers aren't told to "
                        "reject fake email from your domain.", f"{ASK} add one, starting with "
                        "p=none and a rua reporting address, then move to p=quarantine.")]
    if len(dmarc) > 1:
        return [Finding("dmarc", "fail", f"There are {len(dmarc)} DMARC records; receivers "
                        "ignore them all.", f"{ASK} keep just one.")]
    result = checkdmarc.dmarc.check_dmarc(domain, resolver=resolver, timeout=timeout,
                                          ignore_unrelated_records=True)
    tags: dict[str, Any] = result.get("tags") or {}
    match = re.search(r"(?:^|;)\s*p\s*=\s*([a-z]+)", dmarc[0], re.I)
    policy = (_tag(tags, "p") or (match.group(1) if match else "")).lower()
    pct = int(_tag(tags, "pct") or 100)
    findings: list[Finding] = []
    if policy == "none":
        findings.append(Finding("dmarc", "warning", "DMARC is set to p=none: it only watches "
                                "and reports fake email, and doesn't stop it.",
                                f"{ASK} move to p=quarantine, then p=reject, once the reports "
                                "show your own email passes."))
    elif policy in ("quarantine", "reject") and pct < 100:
        findings.append(Finding("dmarc", "warning", f"DMARC is set to p={policy} but only for "
                                f"{pct}% of email (pct={pct}), so most fake email gets through.",
                                f"{ASK} remove pct or set it to 100."))
    elif policy in ("quarantine", "reject"):
        done = "send fake email to spam" if policy == "quarantine" else "refuse fake email"
        findings.append(Finding("dmarc", "pass", f"DMARC is set to p={policy}, so receivers {done}."))
    else:
        findings.append(Finding("dmarc", "fail", "The DMARC record has no valid policy, so "
                                "receivers ignore it.", f"{ASK} set p=quarantine or p=reject."))
    rua = _tag(tags, "rua") or re.findall(r"rua\s*=\s*([^;]+)", dmarc[0], re.I)
    if rua:
        findings.append(Finding("dmarc_reports", "pass", "DMARC reports are sent to an address, "
                                "so you can see who sends email in your name."))
    else:
        findings.append(Finding("dmarc_reports", "warning", "DMARC asks for no reports (rua), so "
                                "nobody sees who is sending email in your name.",
                                f"{ASK} add a rua=mailto: address that someone reads, or a "
                                "DMARC reporting service."))
    return findings


def _dkim_finding(domain: str, resolver: dns.resolver.Resolver,
                  provider: Provider | None, budget: Budget) -> Finding:
    selectors = dkim_selectors(provider)

    def has_key(selector: str) -> bool:
        if budget.expired():
            return False
        for record in _txt(resolver, f"{selector}._domainkey.{domain}", budget.dns_timeout()):
            key = re.search(r"(?:^|;)\s*p\s*=\s*([^;\s]*)", record)
            if key and key.group(1):
                return True
        return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        found = [s for s, ok in zip(selectors, pool.map(has_key, selectors), strict=False) if ok]
    step = provider.dkim_step if provider and provider.dkim_step else GENERIC_DKIM_STEP
    if found:
        return Finding("dkim", "pass", f"DKIM keys are published ({', '.join(found)}), so "
                       "receivers can tell your signed email is genuine.")
    return Finding("dkim", "warning", "I found no DKIM key on the usual selector names. DKIM "
                   "signs your email so receivers can tell it is genuine; your provider may use "
                   "a name I don't know.", step)


def _mta_sts_finding(domain: str, resolver: dns.resolver.Resolver, timeout: float,
                     https_port: int, budget: Budget,
                     allowance: Sequence[IPNetwork] | None) -> Finding:
    try:
        checkdmarc.mta_sts.query_mta_sts_record(domain, resolver=resolver, timeout=timeout)
    except checkdmarc.mta_sts.MTASTSError:
        return Finding("mta_sts", "warning", "There is no MTA-STS policy, so other mail servers "
                       "may fall back to sending your email unencrypted if someone interferes.",
                       f"{ASK} publish an MTA-STS record and policy (your email provider has "
                       "the values).")
    port = "" if https_port == 443 else f":{https_port}"
    try:
        got = fetch(f"https://mta-sts.{domain}{port}/.well-known/mta-sts.txt",
                    resolver=host_resolver(budget), allowance=allowance,
                    deadline=budget.deadline, max_redirects=0)
        if got.final.status != 200:
            raise FetchFailed("status", "")
        policy = checkdmarc.mta_sts.parse_mta_sts_policy(got.final.body.decode("utf-8", "replace"))
    except (FetchFailed, AddressRefused, checkdmarc.mta_sts.MTASTSError):
        return Finding("mta_sts", "fail", "The MTA-STS record points to a policy I couldn't "
                       "fetch or read, so other mail servers can't use it.",
                       f"{ASK} publish the policy at mta-sts.<your domain>/.well-known/mta-sts.txt "
                       "over HTTPS.")
    mode = str(policy["policy"].get("mode", ""))
    if mode == "enforce":
        return Finding("mta_sts", "pass", "MTA-STS is enforced: other mail servers must encrypt "
                       "email to you.")
    return Finding("mta_sts", "warning", f"MTA-STS is in {mode or 'no'} mode, so it reports "
                   "problems but doesn't yet insist on encryption.",
                   f"{ASK} switch the MTA-STS policy to mode: enforce.")


def _tls_rpt_finding(domain: str, resolver: dns.resolver.Resolver, timeout: float) -> Finding:
    try:
        checkdmarc.smtp_tls_reporting.query_smtp_tls_reporting_record(
            domain, resolver=resolver, timeout=timeout)
    except checkdmarc.smtp_tls_reporting.SMTPTLSReportingError:
        return Finding("tls_rpt", "warning", "There is no TLS-RPT record, so nobody hears when "
                       "other servers can't deliver email to you securely.",
                       f"{ASK} add a _smtp._tls TXT record with a reporting address.")
    return Finding("tls_rpt", "pass", "TLS-RPT is set, so you get reports about failed secure "
                   "deliveries.")


def _starttls(hosts: Sequence[str], port: int, budget: Budget,
              allowance: Sequence[IPNetwork] | None) -> tuple[list[Finding], list[str]]:
    if not hosts:
        return [], []
    resolver = host_resolver(budget)
    with ThreadPoolExecutor(max_workers=MAX_MX_PROBED) as pool:
        probes: list[SmtpProbe] = list(pool.map(
            lambda host: probe(host, resolver=resolver, budget=budget, port=port,
                               allowance=allowance), hosts[:MAX_MX_PROBED]))
    reached = [p for p in probes if p.outcome in ("starttls", "no_starttls", "tls_failed")]
    refused = [p for p in probes if p.outcome == "refused"]
    if refused and not reached:
        return [Finding("starttls", "fail", "Your MX record points to a private or local "
                        "address, so email from the internet can't reach it.",
                        f"{ASK} point the MX records at your email provider's servers.")], []
    if not reached:
        return [], [PORT_25_NOTE.format(seconds=budget.limits.connect)]
    bad = [p for p in reached if p.outcome != "starttls"]
    if bad:
        return [Finding("starttls", "fail", f"{len(bad)} of your {len(reached)} mail servers I "
                        "reached don't offer working STARTTLS, so email to you can travel "
                        "unencrypted.", "Ask your email provider or IT support to turn on "
                        "STARTTLS with a valid certificate.")], []
    return [Finding("starttls", "pass", "Your mail servers offer STARTTLS, so email to you is "
                    "encrypted on the way.")], []


def check_email_domain(
    address: str,
    resolver: dns.resolver.Resolver | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    budget: Budget | None = None,
    smtp_port: int = SMTP_PORT,
    https_port: int = 443,
    allowance: Sequence[IPNetwork] | None = None,
) -> CheckResult:
    """Check the email set-up of the domain in ``address``; never raises for bad input.

    ``smtp_port`` and ``https_port`` are where the mail servers and the MTA-STS policy are
    contacted; other than 25 and 443 they only work for addresses the tests allow.
    """
    try:
        domain = email_domain(address)
    except AddressRefused as refusal:
        return CheckResult("email_domain", "refused", problem=str(refusal))
    budget = budget or Budget(limits)
    timeout = budget.dns_timeout()
    resolver = resolver or dns_resolver(timeout)
    checkdmarc.utils.DNS_CACHE.clear()  # a re-check must see today's records
    try:
        hosts = _mx_hosts(resolver, domain)
        apex = _txt(resolver, domain)
        dmarc_records = _txt(resolver, f"_dmarc.{domain}")
    except _NoDomain:
        return CheckResult("email_domain", "unreachable",
                           problem="I couldn't find that domain. Please check the spelling.")
    except (dns.exception.DNSException, OSError):
        return CheckResult("email_domain", "unreachable",
                           problem="I couldn't look up that domain just now. Please try again later.")
    provider = provider_for(hosts)
    jobs: dict[str, Callable[[], Any]] = {
        "spf": lambda: _spf_findings(apex, domain, resolver, timeout, provider),
        "dkim": lambda: _dkim_finding(domain, resolver, provider, budget),
        "dmarc": lambda: _dmarc_findings(dmarc_records, domain, resolver, timeout),
        "mta_sts": lambda: _mta_sts_finding(domain, resolver, timeout, https_port, budget,
                                            allowance),
        "tls_rpt": lambda: _tls_rpt_finding(domain, resolver, timeout),
        "starttls": lambda: _starttls(hosts, smtp_port, budget, allowance),
        "dnssec": lambda: dnssec_finding(domain, dns_resolver(timeout), who=ASK),
    }
    findings: list[Finding] = [_mx_finding(hosts, provider)]
    notes: list[str] = []
    for name, outcome in run_side_by_side(jobs, budget).items():
        if isinstance(outcome, Raised) and not isinstance(
                outcome.error, (dns.exception.DNSException, OSError)):
            raise outcome.error
        if outcome is None or isinstance(outcome, Raised):
            continue  # that part ran out of time; the rest still stands
        if isinstance(outcome, Finding):
            findings.append(outcome)
        elif name == "starttls":
            findings += outcome[0]
            notes += outcome[1]
        else:
            findings += outcome
    return CheckResult("email_domain", "checked", findings=tuple(findings), notes=tuple(notes),
                       provider=provider.id if provider else "",
                       provider_name=provider.name if provider else "")
