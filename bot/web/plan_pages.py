"""The plan at its private link: the printable page, the PDF, and ticks that record progress.

``/plan/<token>`` shows one conversation's latest plan, read from Rasa's tracker store.
Ticking a step there sends the same message the chat's "Done" button sends to the Rasa
server, as that conversation, so the assistant, the widget and the analytics record all
hear of it the usual way. A token that matches no link, or an expired one, gets a plain
page saying so (404 or 410), and never the plan.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from functools import lru_cache
from pathlib import Path

import requests
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine

from bot import reply_contract as contract
from bot import settings
from bot.channels import visitor_token
from bot.guidance.knowledge.loader import KnowledgeBase
from bot.plans import check_results, document, follow_through, links, pdf, reminders
from bot.plans.state import PlanView, plan_view, stored_slots
from bot.storage.database import create_engine, tracker_engine
from bot.web.site import demo_page_csp

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
MESSAGES = {"done": "Marked as done. The chat knows too.",
            "undo": "Marked as not done. It's still on your plan.",
            "failed": "Sorry, that change could not be saved just now. Please try again.",
            "subscribed": "We've emailed you the plan. We'll send at most two reminders, then "
                          "delete your address.",
            "bad-email": "Please enter a plain email address, such as name@example.co.uk, "
                         "and tick the box to agree.",
            "email-failed": "Sorry, the email could not be sent just now. Please try again later."}


@lru_cache(maxsize=1)
def _analytics() -> Engine:
    return create_engine()


@lru_cache(maxsize=1)
def _tracker() -> Engine:
    return tracker_engine()


def _send_to_assistant(sender_id: str, message: str) -> bool:
    """Say ``message`` to the Rasa server as this conversation; whether it answered."""
    try:
        # The conversation's visitor token, as the widget would send it: the web process
        # shares the channel's secret, so a tick on the plan page continues the conversation.
        token = visitor_token.token_for(sender_id)
        answer = requests.post(f"{settings.rasa_internal_url()}/webhooks/rest/webhook",
                               json={"sender": sender_id, "message": message, "visitor_token": token},
                               headers={visitor_token.HEADER: token}, timeout=60)
    except requests.RequestException:
        return False
    return answer.status_code == 200


def create_blueprint(kb: KnowledgeBase) -> Blueprint:
    """Routes for ``/plan/<token>``, its PDF and step changes, and ``/plan.css``."""
    bot_url = settings.bot_public_url()
    max_chars = settings.max_message_chars()
    csp = demo_page_csp(bot_url)
    templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                            autoescape=select_autoescape(["html"]))
    page = templates.get_template("plan.html")
    error_page = templates.get_template("plan_error.html")
    stylesheet = (HERE / "static" / "plan.css").read_text(encoding="utf-8")
    plans = Blueprint("plan_pages")
    mail = reminders.configured()  # None: no SMTP_URL or key, so no email offer anywhere

    def refused(opened: links.Opened) -> HTTPResponse:
        if opened.status == "expired":
            html = error_page.render(heading="This plan link has expired",
                                     explanation="Private links to a plan work for a limited time, "
                                                 "so an old link cannot show anyone your plan.")
            return response.html(html, status=410, headers={**PRIVATE, "Content-Security-Policy": csp})
        html = error_page.render(heading="This plan link does not work",
                                 explanation="The link is not one we made. Check that you copied "
                                             "all of it.")
        return response.html(html, status=404, headers={**PRIVATE, "Content-Security-Policy": csp})

    async def open_plan(token: str) -> tuple[links.Opened, PlanView | None]:
        opened, view, _ = await open_with_slots(token)
        return opened, view

    async def open_with_slots(token: str) -> tuple[links.Opened, PlanView | None, dict[str, object]]:
        opened = await asyncio.to_thread(links.open_link, _analytics(), token)
        if opened.status != "ok" or opened.sender_id is None:
            return opened, None, {}
        slots = await asyncio.to_thread(stored_slots, _tracker(), opened.sender_id)
        if opened.first_open:
            await asyncio.to_thread(follow_through.record, _analytics(), "link_opened", slots)
        return opened, plan_view(kb, slots), slots

    @plans.get("/plan/<token:str>")
    async def plan_page(request: Request, token: str) -> HTTPResponse:
        opened, view = await open_plan(token)
        if view is None or opened.sender_id is None:
            return refused(opened)
        checks = await asyncio.to_thread(check_results.stored_checks, _analytics(), opened.sender_id)
        doc = document.build(view, checks)
        expires = opened.expires_at.date().isoformat() if opened.expires_at else ""
        html = page.render(doc=doc, expires=expires, pdf_href=f"/plan/{token}/plan.pdf",
                           steps_action=f"/plan/{token}/steps", it_intro=document.IT_PROVIDER_INTRO,
                           checks_title=document.CHECKS_TITLE, checks_again=document.CHECKS_AGAIN,
                           message=MESSAGES.get(request.args.get("changed", ""), ""),
                           bot_url=bot_url, max_chars=max_chars, sender_id=opened.sender_id,
                           continue_token=visitor_token.token_for(opened.sender_id),
                           reminders_action=f"/plan/{token}/reminders" if mail else "",
                           after_reminder=request.args.get("from") == "reminder",
                           reminder_days=mail.days if mail else ())
        return response.html(html, headers={**PRIVATE, "Content-Security-Policy": csp})

    @plans.get("/plan/<token:str>/plan.pdf")
    async def plan_pdf(_: Request, token: str) -> HTTPResponse:
        opened, view = await open_plan(token)
        if view is None or opened.sender_id is None:
            return refused(opened)
        checks = await asyncio.to_thread(check_results.stored_checks, _analytics(), opened.sender_id)
        body = await asyncio.to_thread(pdf.render, document.build(view, checks))
        return response.raw(body, content_type="application/pdf", headers={
            **PRIVATE, "Content-Disposition": 'attachment; filename="cyber-security-plan.pdf"'})

    @plans.post("/plan/<token:str>/steps")
    async def change_step(request: Request, token: str) -> HTTPResponse:
        opened, view, slots = await open_with_slots(token)
        if view is None or opened.sender_id is None:
            return refused(opened)
        step_id = request.form.get("step", "")
        change = request.form.get("change", "")
        if change not in ("done", "undo") or step_id not in {s.step.id for s in view.states}:
            return response.text("Unknown step or change.", status=400, headers=PRIVATE)
        intent = "report_done" if change == "done" else "undo_done"
        sent = await asyncio.to_thread(_send_to_assistant, opened.sender_id,
                                       contract.step_payload(intent, step_id))
        outcome = change if sent else "failed"
        if sent and change == "done" and request.form.get("after_reminder") == "1":
            await asyncio.to_thread(follow_through.record, _analytics(), "done_after_reminder", slots)
        return response.redirect(f"/plan/{token}?changed={outcome}#step-{step_id}", status=303,
                                 headers=PRIVATE)

    @plans.post("/plan/<token:str>/reminders")
    async def ask_for_reminders(request: Request, token: str) -> HTTPResponse:
        opened, view = await open_plan(token)
        if view is None:
            return refused(opened)
        if mail is None:
            return response.text("Email is not available.", status=404, headers=PRIVATE)
        email = str(request.form.get("email", ""))
        if request.form.get("consent") != "yes" or not reminders.EMAIL.match(email.strip()):
            return response.redirect(f"/plan/{token}?changed=bad-email#email", status=303,
                                     headers=PRIVATE)
        try:
            stored = await asyncio.to_thread(reminders.subscribe, _analytics(), _tracker(), kb,
                                             mail, token, email)
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("The plan email could not be sent: %s", type(error).__name__)
            return response.redirect(f"/plan/{token}?changed=email-failed#email", status=303,
                                     headers=PRIVATE)
        outcome = "subscribed" if stored else "bad-email"
        return response.redirect(f"/plan/{token}?changed={outcome}#email", status=303, headers=PRIVATE)

    @plans.route("/plan/unsubscribe/<token:str>", methods=["GET", "POST"])
    async def stop_reminders(_: Request, token: str) -> HTTPResponse:
        """One click (the link in the email) or one POST (RFC 8058's List-Unsubscribe-Post)."""
        found = await asyncio.to_thread(reminders.unsubscribe, _analytics(), token, _tracker())
        heading = "Reminders stopped" if found else "No reminders to stop"
        explanation = ("We won't email you again, and we have deleted your email address."
                       if found else "This link has already been used, or the reminders have "
                                     "ended. We hold no email address for it.")
        html = error_page.render(heading=heading, explanation=explanation)
        return response.html(html, headers={**PRIVATE, "Content-Security-Policy": csp})

    @plans.get("/plan.css")
    async def css(_: Request) -> HTTPResponse:
        return response.text(stylesheet, headers={"Cache-Control": "public, max-age=300"},
                             content_type="text/css; charset=utf-8")

    return plans
