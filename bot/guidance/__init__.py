"""The guidance core: what the assistant knows and says, in plain Python.

The knowledge base (topics, steps, answers, incidents), the business profile and what a
message says about it, tailoring a plan to the profile, and composing replies. Nothing
here imports Rasa, the analytics record or the web: the adapters in ``actions/`` and
``bot/channels`` call in.
"""
