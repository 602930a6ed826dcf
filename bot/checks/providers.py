"""Which email provider is behind a domain, named from its MX hosts, and the provider's own
steps for what the checks find (DKIM selectors, where the settings are).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Provider:
    id: str  # the profile's cloud value where there is one: microsoft_365, google_workspace, other
    name: str
    mx_suffixes: tuple[str, ...]
    dkim_selectors: tuple[str, ...] = ()
    dkim_step: str = ""


MICROSOFT_365 = Provider(
    "microsoft_365", "Microsoft 365",
    (".mail.protection.outlook.com", ".mx.microsoft", ".protection.outlook.com"),
    ("selector1", "selector2"),
    "In the Microsoft Defender portal, open Email & collaboration, then Policies & rules, "
    "Threat policies, Email authentication settings, DKIM. Pick your domain, add the two "
    "CNAME records it shows (selector1 and selector2) at your domain host, then turn on "
    "signing.",
)
GOOGLE_WORKSPACE = Provider(
    "google_workspace", "Google Workspace",
    ("aspmx.l.google.com", ".aspmx.l.google.com", ".googlemail.com", "smtp.google.com"),
    ("google",),
    "In the Google Admin console, open Apps, Google Workspace, Gmail, Authenticate email. "
    "Generate a DKIM key, add it at your domain host as a TXT record named "
    "google._domainkey, then select Start authentication.",
)
OTHERS = (
    Provider("other", "Zoho Mail", (".zoho.com", ".zoho.eu", ".zoho.in"), ("zmail", "zoho")),
    Provider("other", "Proton Mail", (".protonmail.ch",), ("protonmail", "protonmail2", "protonmail3")),
    Provider("other", "Fastmail", (".messagingengine.com",), ("fm1", "fm2", "fm3")),
    Provider("other", "Mimecast", (".mimecast.com", ".mimecast.co.za"), ()),
    Provider("other", "Proofpoint", (".pphosted.com", ".ppe-hosted.com"), ()),
    Provider("other", "IONOS", (".ionos.co.uk", ".ionos.com", ".1and1.co.uk"), ("s1-ionos", "s2-ionos")),
    Provider("other", "GoDaddy", (".secureserver.net",), ()),
)
PROVIDERS = (MICROSOFT_365, GOOGLE_WORKSPACE, *OTHERS)

#: Selectors that many senders use, tried after the provider's own.
COMMON_SELECTORS = ("default", "dkim", "mail", "k1", "k2", "s1", "s2", "smtp", "mandrill",
                    "selector", "key1", "sig1", "everlytickey1", "mxvault")
GENERIC_DKIM_STEP = ("Ask your email provider for the DKIM records to add at your domain "
                     "host, and to turn DKIM signing on.")


def provider_for(mx_hosts: Sequence[str]) -> Provider | None:
    """The provider most of the MX hosts belong to, or None if none is known."""
    for provider in PROVIDERS:
        for host in mx_hosts:
            name = host.rstrip(".").lower()
            if any(name.endswith(s) or name == s.lstrip(".") for s in provider.mx_suffixes):
                return provider
    return None


def dkim_selectors(provider: Provider | None) -> list[str]:
    """The provider's selectors first, then every other known one, each once."""
    ordered = list(provider.dkim_selectors) if provider else []
    for other in PROVIDERS:
        ordered += other.dkim_selectors
    ordered += COMMON_SELECTORS
    return list(dict.fromkeys(ordered))
