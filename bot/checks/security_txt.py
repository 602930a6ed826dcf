"""security.txt (RFC 9116): how someone who finds a flaw in the site can tell the business.

The file must be at ``/.well-known/security.txt``, name at least one ``Contact`` and carry
an ``Expires`` date in the future; the RFC advises an expiry less than a year away so the
details are kept fresh.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from bot.checks.findings import Finding

PATH = "/.well-known/security.txt"
_FIELD = re.compile(r"^\s*([A-Za-z-]+)\s*:\s*(.+?)\s*$", re.M)
ASK = "Ask your web designer or host to"
ADD = (f"{ASK} publish a security.txt file at {PATH} with a Contact line (an email address) "
       "and an Expires date less than a year ahead.")


def _parse_date(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def security_txt_finding(status: int | None, content_type: str, body: bytes,
                         now: datetime) -> Finding:
    """Judge what the site answered at the security.txt path (``status`` None: no answer)."""
    text = body.decode("utf-8", "replace")
    if status != 200 or not content_type.lower().startswith("text/plain") or "<html" in text.lower():
        return Finding("security_txt", "warning", "There is no security.txt, so someone who "
                       "finds a flaw in your site has no easy way to tell you.", ADD)
    fields: dict[str, list[str]] = {}
    for name, value in _FIELD.findall(text):
        fields.setdefault(name.lower(), []).append(value)
    if not fields.get("contact"):
        return Finding("security_txt", "warning", "security.txt has no Contact line, so it "
                       "doesn't say how to reach you.", ADD)
    expires = [_parse_date(v) for v in fields.get("expires", [])]
    if len(expires) != 1 or expires[0] is None:
        return Finding("security_txt", "warning", "security.txt has no valid Expires date, so "
                       "readers can't tell whether its details are current.", ADD)
    if expires[0] <= now:
        return Finding("security_txt", "warning", "security.txt has expired, so readers may "
                       "ignore its contact details.", f"{ASK} update it with a new Expires date.")
    if expires[0] > now + timedelta(days=366):
        return Finding("security_txt", "warning", "security.txt expires more than a year ahead, "
                       "so its details may go stale unnoticed.",
                       f"{ASK} set Expires less than a year ahead and renew it yearly.")
    return Finding("security_txt", "pass", "security.txt tells people how to report a flaw in "
                   "your site, and it is current.")
