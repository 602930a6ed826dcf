"""The owner's plan beyond the chat message: where each step stands, typed progress in the
owner's words, and the plan to take away (a PDF and a printable page at a private link).

Plain Python over the knowledge base: the actions in ``actions/`` and the web routes in
``bot/web/plan_pages.py`` call in.
"""
