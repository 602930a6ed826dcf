"""Tailored cyber-security guidance for UK small businesses.

Plain Python: the knowledge base, business profiles, tailoring, extraction of
profile facts from text, and reply composition. The Rasa adapters live in
``actions/`` (custom actions) and ``bot/channels`` (the guarded REST channel).
"""
