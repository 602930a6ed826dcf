"""Keeping owners' personal data out of what the programme stores and reads."""

from __future__ import annotations

from bot.privacy.redaction import CATEGORIES, HIGH_RISK, PLACEHOLDERS, RedactionResult, redact

__all__ = ["CATEGORIES", "HIGH_RISK", "PLACEHOLDERS", "RedactionResult", "redact"]
