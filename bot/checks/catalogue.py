"""Every finding's plain title, for people who read findings by the dozen: staff and exports.

The owner is told what each finding means in a sentence of its own (website.py,
email_domain.py); staff need a short, stable name to count findings under. Ids are the
ones ``scoring.WEIGHTS`` weighs (a test checks each has a title); an id this list does
not know is shown as its id with spaces, so a new finding is never hidden.
"""

from __future__ import annotations

TITLES: dict[str, str] = {
    # email domain
    "mx": "Email servers (MX) found",
    "spf": "SPF record set up",
    "spf_policy": "SPF says what to do with other senders",
    "spf_lookups": "SPF within 10 DNS lookups",
    "dkim": "DKIM signing key found",
    "dmarc": "DMARC policy rejects or quarantines fakes",
    "dmarc_reports": "DMARC reports sent somewhere",
    "mta_sts": "MTA-STS enforces encrypted delivery",
    "tls_rpt": "TLS reporting (TLS-RPT) set up",
    "starttls": "Email servers offer encryption (STARTTLS)",
    "dnssec": "Domain signed with DNSSEC",
    # website
    "https": "HTTPS works with a trusted certificate",
    "certificate_expiry": "Certificate not about to expire",
    "http_redirect": "Plain HTTP moves to HTTPS",
    "hsts": "HSTS for at least a year",
    "tls_old_versions": "Old TLS versions (1.0, 1.1) refused",
    "tls_modern_versions": "TLS 1.2 or 1.3 offered",
    "mixed_content": "Home page loads nothing over plain HTTP",
    "security_txt": "security.txt contact published",
    "caa": "CAA record names who may issue certificates",
    "content_security_policy": "Content-Security-Policy header",
    "x_content_type_options": "X-Content-Type-Options header",
    "framing": "Protected from being framed",
    "referrer_policy": "Referrer-Policy header",
    "software_versions": "Software versions kept hidden",
}
KIND_TITLES = {"website": "Website", "email_domain": "Email"}


def title(finding_id: str) -> str:
    """The finding's plain title (its id with spaces for one not in the catalogue)."""
    return TITLES.get(finding_id, finding_id.replace("_", " "))
