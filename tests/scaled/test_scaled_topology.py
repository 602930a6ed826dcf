"""Two Rasa servers sharing PostgreSQL and Redis behind nginx behave as one assistant.

One topology is started for the whole module (``scaled`` fixture). The failover test
kills a Rasa server, so it comes last.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
import sqlalchemy as sa

from bot.privacy.pseudonyms import visitor_key
from tests.scaled.conftest import SECRET, Scaled
from tests.stack import plan, texts, topics


def _sender() -> str:
    return f"scaled-{uuid.uuid4().hex[:12]}"


class Alternating:
    """Sends each message of one conversation to the other Rasa server than the last."""

    def __init__(self, scaled: Scaled) -> None:
        self.scaled, self.sender, self.turn = scaled, _sender(), 0

    def __call__(self, message: str) -> list[dict]:
        server = self.scaled.rasa[self.turn % 2]
        self.turn += 1
        return self.scaled.send(self.sender, message, via=server)


def _plan_after_questions(say: Alternating, answers: list[str]) -> tuple[list[dict], list[str]]:
    asked = [texts(say("what should I do first?"))]
    remaining = iter(answers)
    reply = say(next(remaining, "skip"))
    for _ in range(10):
        if plan(reply) is not None:
            break
        asked.append(texts(reply))
        reply = say(next(remaining, "skip"))
    return plan(reply) or [], asked


def test_profile_given_to_one_server_shapes_the_plan_from_the_other(scaled):
    say = Alternating(scaled)
    say("we're a 12-person accountancy on Microsoft 365, staff work from home, we take card payments")
    items, asked = _plan_after_questions(say, ["yes we keep client records", "no website"])
    # What the first server learnt, the second never asks again; the questions carry on.
    assert not any("How many people" in question for question in asked)
    assert all("Question " in question for question in asked), asked
    assert not any("take card payments" in question for question in asked)
    assert items and len(items) <= 8
    assert "card_payments" in {item["topic"] for item in items}

    cash_only = Alternating(scaled)
    cash_only("I'm a sole trader plumber in Leeds, cash only, no website, I use gmail, "
              "no customer data, I do the IT myself, I don't work from home")
    items, _ = _plan_after_questions(cash_only, [])
    assert items
    assert "card_payments" not in {item["topic"] for item in items}


def test_nation_told_to_one_server_decides_the_reporting_route_on_the_other(scaled):
    say = Alternating(scaled)
    say("we're a small shop in Glasgow")
    body = texts(say("we've been hacked"))
    assert "101" in body
    assert "Report Fraud" not in body


def test_a_question_mid_profile_on_the_other_server_then_questions_resume(scaled):
    say = Alternating(scaled)
    say("what should I do first?")
    reply = say("how do I spot a phishing email?")
    assert "phishing" in topics(reply)
    assert "?" in texts(reply).splitlines()[-1]  # the pending question is asked again


#: Questions whose replies carry a known topic, so a reply can be matched to its question.
TOPIC_QUESTIONS = {
    "how do I back up our files?": "backups",
    "how do I spot a phishing email?": "phishing",
    "should we get cyber insurance?": "cyber_insurance",
    "what is Cyber Essentials?": "cyber_essentials",
    "how do I make a strong password?": "passwords",
    "a supplier emailed new bank details, should I just pay?": "payment_fraud",
    "how do I keep our software up to date?": "updates",
    "how do I keep our cloud accounts safe?": "cloud",
}


def _events(scaled: Scaled, sender: str) -> list[tuple[str, dict]]:
    engine = scaled.tracker()
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("select type_name, data from events where sender_id = :s order by id"),
                {"s": sender}).all()
    finally:
        engine.dispose()
    return [(row[0], json.loads(row[1])) for row in rows]


def test_messages_sent_at_once_to_both_servers_are_handled_one_at_a_time(scaled):
    sender = _sender()
    assert texts(scaled.send(sender, "hello", via=scaled.rasa[0]))
    questions = list(TOPIC_QUESTIONS)
    start = threading.Barrier(len(questions))

    def ask(index: int) -> list[dict]:
        start.wait()
        return scaled.send(sender, questions[index], via=scaled.rasa[index % 2])

    with ThreadPoolExecutor(len(questions)) as pool:
        replies = list(pool.map(ask, range(len(questions))))

    # Every message answered, each with its own answer.
    for question, reply in zip(questions, replies, strict=True):
        assert topics(reply) == [TOPIC_QUESTIONS[question]], question

    # Each message is in the shared tracker store once, and each one's events (its reply,
    # ending with action_listen) come before the next message: never two at once.
    events = _events(scaled, sender)
    said = [data.get("text") for kind, data in events if kind == "user"]
    assert sorted(said) == sorted(["hello", *questions])
    open_turn = None
    for kind, data in events:
        if kind == "user":
            assert open_turn is None, f"{data.get('text')!r} was handled while {open_turn!r} was"
            open_turn = data.get("text")
        elif kind == "action" and data.get("name") == "action_listen":
            open_turn = None
    assert open_turn is None


def test_the_proxy_exposes_the_webhook_and_web_process_only(scaled):
    assert requests.get(f"{scaled.proxy}/health", timeout=30).json()["status"] == "ok"
    assert requests.get(f"{scaled.proxy}/", timeout=30).status_code == 200
    # Rasa's HTTP API is neither on (no token) nor routed by nginx.
    for path in ("/status", "/version", "/model/parse", "/conversations/x/tracker",
                 "/webhooks/rest/", "/webhooks/callback/webhook"):
        response = requests.get(f"{scaled.proxy}{path}", timeout=30)
        assert response.status_code == 404, path
        assert "rasa" not in response.text.lower(), path
    response = requests.post(f"{scaled.proxy}/model/parse", json={"text": "hi"}, timeout=30)
    assert response.status_code in (404, 405)


def test_ingestion_gives_way_to_the_servers_that_answer(scaled):
    """Under full load the analytics record may lag behind, but replies must not wait."""
    import os

    assert os.getpriority(os.PRIO_PROCESS, scaled.pid("ingest")) == 10
    for server in ("rasa-1", "rasa-2", "actions-1", "postgres", "nginx"):
        assert os.getpriority(os.PRIO_PROCESS, scaled.pid(server)) == 0, server


FAILOVER_SCRIPT = [
    "we're a small shop in Glasgow",
    "how do I back up our files?",
    "how do I spot a phishing email?",
    "tell me more",
    "should we get cyber insurance?",
    "what is Cyber Essentials?",
    "we've been hacked",
    "thanks",
]


def test_killing_a_rasa_server_mid_load_loses_no_conversation_and_no_turn(scaled):
    conversations = 6
    senders = [_sender() for _ in range(conversations)]
    replied: dict[str, list[str]] = {sender: [] for sender in senders}
    failures: list[str] = []
    incident_replies: dict[str, str] = {}

    def converse(sender: str) -> None:
        token = None
        for message in FAILOVER_SCRIPT:
            # As the widget does, each message has an id: a message nginx resends after the
            # server it chose died is recognised if that server had saved it (bot/channels/redelivery.py).
            body = {"sender": sender, "message": message, "message_id": f"m-{uuid.uuid4().hex}"}
            if token:
                body["visitor_token"] = token
            try:
                response = requests.post(f"{scaled.proxy}/webhooks/rest/webhook", json=body,
                                         timeout=120)
            except requests.RequestException as error:
                failures.append(f"{sender} {message!r}: {error}")
                continue
            if response.status_code != 200 or not texts(response.json()):
                failures.append(f"{sender} {message!r}: {response.status_code} {response.text[:200]}")
                continue
            replied[sender].append(message)
            token = token or response.headers.get("X-Visitor-Token")
            if message == "we've been hacked":
                incident_replies[sender] = texts(response.json())
            time.sleep(0.5)  # think time

    threads = [threading.Thread(target=converse, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    time.sleep(4)  # conversations are under way on both servers
    victim = scaled.pid("rasa-2")
    # Freeze the server first, so messages nginx hands it are still in flight when it dies.
    os.killpg(victim, signal.SIGSTOP)
    time.sleep(3)
    os.killpg(victim, signal.SIGKILL)
    for thread in threads:
        thread.join(timeout=600)

    # The proxy sent everything to the surviving server: every message got its reply, and
    # each conversation carried on with what it had told either server.
    assert not failures, failures
    for sender in senders:
        assert replied[sender] == FAILOVER_SCRIPT
        assert "101" in incident_replies[sender] and "Report Fraud" not in incident_replies[sender]
    # Some of those messages were in flight on the killed server: nginx resent them.
    proxy_errors = (scaled.root / "nginx" / "logs" / "error.log").read_text(errors="replace")
    assert "upstream prematurely closed connection" in proxy_errors or "reset by peer" in proxy_errors
    assert scaled.process.poll() is None, "run-scaled stopped when one Rasa server died"
    assert "rasa-2 exited" in scaled.log.read_text(errors="replace")
    for _ in range(3):
        assert texts(scaled.send(_sender(), "hello"))

    # The analytics record has every turn that got a reply, once.
    analytics = scaled.analytics()
    keys = {visitor_key(sender, SECRET): sender for sender in senders}

    def recorded() -> dict[str, list[str]]:
        with analytics.connect() as connection:
            rows = connection.execute(
                sa.text("select visitor_key, text from turns where visitor_key in :keys "
                        "order by event_id").bindparams(sa.bindparam("keys", expanding=True)),
                {"keys": list(keys)}).all()
        found: dict[str, list[str]] = {sender: [] for sender in senders}
        for key, text in rows:
            found[keys[key]].append(text)
        return found

    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if all(len(turns) >= len(replied[s]) for s, turns in recorded().items()):
                break
            time.sleep(1)
        time.sleep(3)  # and nothing more turns up later
        assert recorded() == replied
    finally:
        analytics.dispose()
