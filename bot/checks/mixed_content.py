"""Mixed content: parts of an HTTPS page loaded over plain HTTP.

A script, style sheet or frame over HTTP can be changed on the way and take over the page
(browsers block these); images and media over HTTP can be seen and swapped. Only the home
page's HTML is read, up to the fetcher's byte cap.
"""

from __future__ import annotations

from html.parser import HTMLParser

from bot.checks.findings import Finding

ACTIVE = {("script", "src"), ("link", "href"), ("iframe", "src"), ("frame", "src"),
          ("object", "data"), ("embed", "src"), ("form", "action")}
PASSIVE = {("img", "src"), ("audio", "src"), ("video", "src"), ("source", "src"),
           ("video", "poster"), ("input", "src")}
ASK = "Ask your web designer or host to"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.active: list[str] = []
        self.passive: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and "stylesheet" not in (values.get("rel") or "").lower() and \
                "preload" not in (values.get("rel") or "").lower():
            return  # a plain link to another page is not loaded by the browser
        for name, value in attrs:
            if not value or not value.strip().lower().startswith("http://"):
                continue
            if (tag, name) in ACTIVE:
                self.active.append(value)
            elif (tag, name) in PASSIVE or (tag == "img" and name == "srcset"):
                self.passive.append(value)


def mixed_content_finding(body: bytes) -> Finding:
    parser = _Collector()
    parser.feed(body.decode("utf-8", "replace"))
    parser.close()
    if parser.active:
        return Finding("mixed_content", "fail", f"The home page loads {len(parser.active)} "
                       "script, style or frame file(s) over plain HTTP, which browsers block and "
                       "an attacker could change.", f"{ASK} load every file over https://.")
    if parser.passive:
        return Finding("mixed_content", "warning", f"The home page loads {len(parser.passive)} "
                       "image or media file(s) over plain HTTP, so browsers mark it not fully "
                       "secure.", f"{ASK} load every image over https://.")
    return Finding("mixed_content", "pass", "Everything the home page loads comes over HTTPS.")
