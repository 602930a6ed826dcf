"""Live checks of a business's own website and email domain, safe to run on request.

``address_policy`` decides which addresses may be contacted, ``safe_http`` fetches only
those, ``website`` and ``email_domain`` turn what they find into findings, ``limits``
rate-limits and caches, ``service`` ties them together for the actions and ``reply``
words the answer.
"""
