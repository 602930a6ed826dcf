"""One real stack for every widget test, plus a second web site on another origin.

The stack is started as `make run` starts it (honcho and the Procfile). Its Rasa
server allows the web process's origin and the other site's origin, and no others.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from bot.paths import PROJECT_ROOT
from tests.smtp import SmtpServer, smtp_server  # noqa: F401 - a fixture the stack uses
from tests.stack import Stack, free_port, start_stack, stop_stack

#: The key the stack encrypts reminder addresses with (a throwaway Fernet key).
PLAN_EMAIL_KEY = "m1H0yJfNqD5w6Xq8n3bq0W5Yv7mR2kQZpT4uLx9cE_0="
AXE = PROJECT_ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
REPLY_SECONDS = 60_000  # ms; the machine may be busy


class OtherSite:
    """A tiny static web server standing in for a council's or growth hub's site."""

    def __init__(self) -> None:
        self.page = "<!doctype html><title>empty</title>"
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                body = site.page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        """The origin the stack allows. The same server at 127.0.0.1 is a different, refused origin."""
        return f"http://localhost:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def other_site() -> Iterator[OtherSite]:
    site = OtherSite()
    yield site
    site.close()


@pytest.fixture(scope="session")
def widget_stack(other_site: OtherSite, smtp_server: SmtpServer) -> Iterator[Stack]:  # noqa: F811
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    # As `make run` allows: the web process by name and by address, and here the other site too.
    origins = f"http://localhost:{ports['web']} http://127.0.0.1:{ports['web']} {other_site.origin}"
    # Plan emails go to a real SMTP server on loopback (tests/smtp.py).
    running = start_stack({"BOT_ALLOWED_ORIGINS": origins, "SMTP_URL": smtp_server.url,
                           "PLAN_EMAIL_KEY": PLAN_EMAIL_KEY}, name="widget-stack", ports=ports)
    yield running
    stop_stack(running.process)


@pytest.fixture()
def console_errors(page: Page) -> list[str]:
    """Errors the page logs: Content-Security-Policy violations, failed loads, script errors."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def new_page(browser: Browser, width: int = 1280, height: int = 900, **options: Any) -> tuple[
        BrowserContext, Page]:
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    return context, context.new_page()


# ---- driving the widget -------------------------------------------------------

def open_widget(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Ask about cyber security").click()
    expect(page.get_by_role("dialog", name="Cyber security help")).to_be_visible()


def bot_messages(page: Page) -> Locator:
    return page.locator("sme-cyber-chat .msg.bot")


def say(page: Page, text: str) -> Locator:
    """Type a message, send it with Enter, and return the first reply to it."""
    before = bot_messages(page).count()
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")
    return wait_for_reply(page, before)


def wait_for_reply(page: Page, before: int) -> Locator:
    expect(bot_messages(page)).not_to_have_count(before, timeout=REPLY_SECONDS)
    expect(page.locator("sme-cyber-chat .typing")).to_have_text("", timeout=REPLY_SECONDS)
    return bot_messages(page).nth(before)


def click_and_wait(page: Page, control: Locator) -> Locator:
    before = bot_messages(page).count()
    control.click()
    return wait_for_reply(page, before)


def visitor_id(page: Page) -> str:
    return str(page.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('sme-cyber-chat:')))).id"))


def wait_for_rows(
    stack: Stack, sql: str, params: tuple[Any, ...], seconds: float = 60
) -> list[tuple[Any, ...]]:
    """Rows of an analytics query once ingestion has written any (it polls every 2 seconds)."""
    deadline = time.monotonic() + seconds
    rows: list[tuple[Any, ...]] = []
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(stack.data / "analytics.db") as db:
                rows = db.execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # tables not migrated yet
            rows = []
        if rows:
            return rows
        time.sleep(0.5)
    return rows


def skip_choice(choices: Locator) -> Locator:
    """The button that passes on a profile question ("Not sure" or "Skip"); the last button
    when there is none (the last one may be "What does this mean?", which asks again)."""
    named = choices.filter(has_text=re.compile(r"^\s*(Not sure|Skip)\s*$"))
    return named.first if named.count() else choices.last
