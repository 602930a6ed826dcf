"""The plan by email, and at most two reminders the owner asked for.

The owner gives an address and consent on the plan's own page (never in the chat, so it
never reaches the conversation record or the analytics). The address is stored encrypted
(Fernet, ``PLAN_EMAIL_KEY``) in ``reminder_subscriptions``, apart from the analytics tables,
and deleted when the last reminder has gone, on "stop" (the one-click link in every email
and the ``List-Unsubscribe`` header), or when the plan's link expires. Nothing here logs
an address. With no ``SMTP_URL`` (or no key) nothing is offered. Each email carries the
newest website and email checks, and a reminder offers a re-check when one is a month old
(``check_results.recheck_lines``): within the same emails, so never a third one.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Callable
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import settings
from bot.guidance.knowledge.loader import KnowledgeBase
from bot.plans import check_results, document, follow_through
from bot.plans.state import plan_view, stored_slots
from bot.storage.models import PlanLink, ReminderSubscription

logger = logging.getLogger(__name__)
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")
SMTP_TIMEOUT = 20


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Mailer:
    """Where and how mail is sent, from ``SMTP_URL``."""

    host: str
    port: int
    tls: bool
    user: str | None
    password: str | None
    sender: str

    @classmethod
    def from_url(cls, url: str, sender: str) -> Mailer:
        parts = urlsplit(url)
        tls = parts.scheme == "smtps"
        if not parts.hostname:
            raise ValueError("SMTP_URL has no host")
        return cls(host=parts.hostname, port=parts.port or (465 if tls else 25), tls=tls,
                   user=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None, sender=sender)

    def send(self, message: EmailMessage) -> None:
        message["From"] = self.sender
        smtp: smtplib.SMTP = (smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT) if self.tls
                              else smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT))
        with smtp:
            if not self.tls:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls()
            if self.user and self.password:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


@dataclass(frozen=True)
class Config:
    mailer: Mailer
    key: bytes
    days: tuple[int, ...]
    web_url: str


def configured() -> Config | None:
    """The reminder settings, or ``None`` when email is off (no ``SMTP_URL`` or no key)."""
    url, key = settings.smtp_url(), settings.plan_email_key()
    if not url or not key:
        return None
    Fernet(key.encode())  # a bad key fails here, at start-up, not when mail is due
    return Config(Mailer.from_url(url, settings.plan_email_from()), key.encode(),
                  settings.reminder_days(), settings.web_public_url())


def _body(kb: KnowledgeBase, engine: Engine, tracker: Engine, sender_id: str, opening: str,
          page: str, unsubscribe: str, now: datetime) -> str:
    checks = check_results.stored_checks(engine, sender_id)
    doc = document.build(plan_view(kb, stored_slots(tracker, sender_id)), checks)
    lines = [opening, "", doc.profile, f"You have done {doc.done} of {len(doc.steps)} steps.", ""]
    for step in doc.steps:
        lines.append(f"{step.number}. {step.title} - {step.status_label}")
        lines.append(f"   Who: {step.who}. Time: {step.time}. Cost: {step.cost}.")
        lines.append(f"   Why: {step.why}")
        lines.append(f"   Source: {step.sources[0]}")
    if doc.checks:
        lines += ["", f"{document.CHECKS_TITLE}:"]
        for check in doc.checks:
            lines.append(f"- {check.heading}")
            lines += [f"   {p.status_label}: {p.title}" for p in check.problems]
    recheck = check_results.recheck_lines(checks, now)
    if recheck:
        lines += ["", *recheck]
    lines += ["", "Tick off what you have done, and see each step in full:", page, "",
              "To stop these emails and delete your address, open this link:", unsubscribe]
    return "\n".join(lines)


def _message(to: str, subject: str, body: str, unsubscribe: str) -> EmailMessage:
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    # RFC 8058: a mail program's own "unsubscribe" stops the reminders with one POST.
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body)
    return message


def subscribe(engine: Engine, tracker: Engine, kb: KnowledgeBase, config: Config, token: str,
              email: str, clock: Callable[[], datetime] = _now) -> bool:
    """Store the address (encrypted), send the plan now, and schedule the reminders.

    Returns False for an address that is not a plain email address, or a link that does
    not open; then nothing is stored or sent.
    """
    email = email.strip()
    if not EMAIL.match(email):
        return False
    from bot.plans import links

    now = clock()
    with Session(engine, future=True) as session:
        link = session.execute(sa.select(PlanLink).where(
            PlanLink.token_hash == links.token_hash(token), PlanLink.expires_at > now)).scalar_one_or_none()
        if link is None:
            return False
        link_id, sender_id = link.id, link.sender_id
    unsubscribe_token = secrets.token_urlsafe(32)
    unsubscribe = f"{config.web_url}/plan/unsubscribe/{unsubscribe_token}"
    page = f"{config.web_url}/plan/{token}"
    body = _body(kb, engine, tracker, sender_id,
                 "Here is your cyber security action plan, as you asked.", page, unsubscribe, now)
    config.mailer.send(_message(email, "Your cyber security action plan", body, unsubscribe))
    with Session(engine, future=True) as session, session.begin():
        session.add(ReminderSubscription(
            link_id=link_id, email_encrypted=Fernet(config.key).encrypt(email.encode()).decode(),
            token_encrypted=Fernet(config.key).encrypt(token.encode()).decode(),
            unsubscribe_hash=_hash(unsubscribe_token), created_at=now,
            next_due_at=now + timedelta(days=config.days[0]), reminders_sent=0))
    follow_through.record(engine, "plan_emailed", stored_slots(tracker, sender_id), clock=clock)
    return True


def unsubscribe(engine: Engine, token: str, tracker: Engine | None = None) -> bool:
    """Stop the reminders and delete the address; whether there was one to delete."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{40,64}", token or ""):
        return False
    wanted = ReminderSubscription.unsubscribe_hash == _hash(token)
    with engine.begin() as connection:
        sender = connection.execute(
            sa.select(PlanLink.sender_id).join(ReminderSubscription,
                                               ReminderSubscription.link_id == PlanLink.id)
            .where(wanted)).scalar()
        deleted = bool(connection.execute(sa.delete(ReminderSubscription).where(wanted)).rowcount)
    if deleted:
        slots = stored_slots(tracker, sender) if tracker is not None and sender else {}
        follow_through.record(engine, "unsubscribed", slots)
    return deleted


def send_due(engine: Engine, tracker: Engine, kb: KnowledgeBase, config: Config,
             clock: Callable[[], datetime] = _now) -> int:
    """Send every reminder now due; after the last one the address is deleted. Returns how many."""
    now = clock()
    sent = 0
    with Session(engine, future=True) as session:
        due = session.execute(
            sa.select(ReminderSubscription, PlanLink)
            .join(PlanLink, PlanLink.id == ReminderSubscription.link_id)
            .where(ReminderSubscription.next_due_at <= now)
        ).all()
        for subscription, link in due:
            if link.expires_at <= now:
                session.delete(subscription)
                continue
            try:
                email = Fernet(config.key).decrypt(subscription.email_encrypted.encode()).decode()
                token = Fernet(config.key).decrypt(subscription.token_encrypted.encode()).decode()
            except InvalidToken:
                logger.warning("A reminder address could not be decrypted (key changed?); deleted")
                session.delete(subscription)
                continue
            unsubscribe_token = secrets.token_urlsafe(32)
            unsubscribe_link = f"{config.web_url}/plan/unsubscribe/{unsubscribe_token}"
            subscription.unsubscribe_hash = _hash(unsubscribe_token)
            number = subscription.reminders_sent + 1
            body = _body(kb, engine, tracker, link.sender_id,
                         "A reminder of your cyber security plan. How are you getting on? "
                         "Tick off the steps you have done at the link below.",
                         f"{config.web_url}/plan/{token}?from=reminder", unsubscribe_link, now)
            config.mailer.send(_message(email, "Reminder: your cyber security plan", body,
                                        unsubscribe_link))
            sent += 1
            subscription.reminders_sent = number
            if number >= len(config.days):
                session.delete(subscription)  # no more reminders: the address goes now
            else:
                subscription.next_due_at = subscription.created_at + timedelta(days=config.days[number])
            sender_id = link.sender_id
            session.commit()
            follow_through.record(engine, "reminder_sent", stored_slots(tracker, sender_id), clock=clock)
        session.commit()
    if sent:
        logger.info("Sent %d plan reminders", sent)
    return sent


def follow(engine: Engine, tracker: Engine, kb: KnowledgeBase, config: Config, *,
           interval: float = 3600.0, stop: Callable[[], bool] = lambda: False,
           sleep: Callable[[float], None] = time.sleep,
           clock: Callable[[], datetime] = _now) -> None:
    """Send due reminders every ``interval`` seconds until ``stop()``; errors are logged, not fatal."""
    while not stop():
        try:
            send_due(engine, tracker, kb, config, clock=clock)
        except (sa.exc.SQLAlchemyError, OSError, smtplib.SMTPException) as error:
            logger.warning("Reminders not sent this time: %s", type(error).__name__)
        if stop():
            return
        sleep(interval)
