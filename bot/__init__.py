"""Tailored cyber-security guidance for UK small businesses.

Three parts: the guidance core (``bot/guidance``: knowledge base, business profile,
tailoring, replies), the record and its figures (``bot/analytics``, ``bot/storage``,
``bot/privacy``), and the ways in (``bot/channels``, ``bot/web``, the ``bot`` command).
Most of it is plain Python. The Rasa adapters are ``actions/`` (custom actions),
``bot/channels`` (the REST channel, redelivery and the patches to Rasa),
``bot/storage/rasa_tracker_store.py``, ``bot/locking/rasa_store.py`` and the NLU
components in ``bot/nlp`` (``featurizer.py``, ``classifier.py``,
``answer_selector.py``); docs/architecture.md
lists them, and tests/test_architecture.py keeps the list true.
"""
