"""Typed progress: which step of the plan an owner means, and where each step stands.

"done the backups", "I've set up 2-step on email" or "we won't do the insurance one" name
a step by its subject, not by its id. ``match_step`` picks the step among those the owner
has been shown (the plan first) whose title and topic share the most words with the
message. Words are reduced to a rough stem, and the many ways of saying "two-step
verification" or "back up" to one word each, so "2FA", "MFA" and "two factor" all count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

from bot.guidance.knowledge.loader import KnowledgeBase
from bot.guidance.knowledge.schema import Step

Status = Literal["open", "planned", "done", "dropped"]

#: Phrases that mean one thing, rewritten to one token before the words are compared.
_SYNONYMS = (
    (r"\b(?:2|two)[\s-]?(?:step|factor|fa)\b(?:\s+(?:verification|authentication|login|log\s?in))?"
     r"|\bmfa\b|\bmulti[\s-]?factor(?:\s+authentication)?\b|\b2sv\b", " twostep "),
    (r"\bback(?:ing|ed)?[\s-]?ups?\b", " backup "),
    (r"\banti[\s-]?virus\b|\banti[\s-]?malware\b|\bvirus\s+(?:checker|scanner)\b", " antivirus "),
    (r"\bwi[\s-]?fi\b|\bwireless\b", " wifi "),
    (r"\bpass[\s-]?words?\b|\bpass[\s-]?phrases?\b", " password "),
    (r"\bpassword\s+(?:manager|vault|keeper)\b", " password manager "),
    (r"\bpatch(?:es|ing)?\b|\bupdat(?:e|es|ed|ing)\b", " update "),
    (r"\be[\s-]?mails?\b|\bmail\s?box(?:es)?\b|\binbox(?:es)?\b", " email "),
    (r"\bphish(?:ing|y)?\b|\bscam(?:s|my)?\b|\bdodgy\s+emails?\b", " phishing "),
    (r"\bcyber\s+essentials\b|\bce\s+cert(?:ificate|ification)?\b", " cyberessentials "),
    (r"\bbank\s+details\b|\binvoice\s+fraud\b", " payment "),
    (r"\bsecurity\s+defaults\b", " securitydefault "),
    (r"\b(?:pins?|passcodes?|screen[\s-]?locks?)\b", " screenlock "),
    (r"\bencrypt(?:ion|ed|ing|s)?\b", " encrypt "),
    (r"\bsocial\s+media\b|\bfacebook\b|\binstagram\b|\blinkedin\b|\btiktok\b|\btwitter\b",
     " socialmedia "),
    (r"\blaptops?\b|\bphones?\b|\btablets?\b|\bcomputers?\b|\bpcs?\b", " device "),
    (r"\bgdpr\b|\bdata\s+protection\b|\bcustomer\s+data\b", " personaldata "),
    (r"\bmicrosoft(?:\s+365)?\b|\bo365\b|\boffice\s+365\b|\bm365\b", " microsoft "),
    (r"\bgoogle(?:\s+workspace)?\b|\bgmail\b|\bg\s?suite\b", " google "),
    (r"\brouter\b|\bbroadband\s+box\b|\bhub\b", " router "),
    (r"\btrain(?:ing|ed)?\b|\bcourse\b", " training "),
    (r"\bleav(?:ers?|es|ing)\b|\bleft\s+(?:the\s+)?(?:business|company|firm)\b", " leaver "),
)

#: Words that say nothing about which step: progress verbs, pronouns and the like.
_STOP = frozenset(
    """
a about after again ages all already also am an and any are as at be been before being bit
both but by can cant could did didnt do does doing don done dont each either else even ever
every for from get getting got gonna had has have havent having he her here hers him his how
i id if ill im in into is isnt it its itself ive just last let lets like ll made make me mine
more most my myself na nah need no nor not now of off ok okay on once one ones only or other
our ours out over own please put re really right said same see set she should so some sort
sorted still such sure take taken than thank thanks that thats the their them then there these
they thing things this those through to today too tried try turn turned under until up us ve
very want was we week well went were weve what whats when where which while who why will with
wont would yeah year yes yesterday yet yep you your yours finish finished complete completed
switch switched enable enabled start started sorting doing plan list step action bother drop
dropping skip forget scrap remove go going ahead tick ticked mark marked already got sort
change changed changing tomorrow tonight weekend month monday friday now
""".split()  # noqa: SIM905 - a word list is easier to read as text
)

_WORD = re.compile(r"[a-z0-9]+")
_GENERIC_TITLE_WORDS = frozenset({"check", "keep", "use", "know", "ask", "provider", "your"})


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words(text: str) -> set[str]:
    """The message's telling words, synonyms joined and roughly stemmed."""
    lowered = " " + text.lower().replace("'", "").replace("\u2019", "") + " "
    for pattern, token in _SYNONYMS:
        lowered = re.sub(pattern, token, lowered)
    return {_stem(w) for w in _WORD.findall(lowered) if w not in _STOP and len(w) > 1}


def _title_words(step: Step) -> set[str]:
    return words(step.title) - _GENERIC_TITLE_WORDS


def _topic_words(step: Step, kb: KnowledgeBase) -> set[str]:
    topic = kb.topics[step.topic]
    return words(step.topic.replace("_", " ") + " " + topic.title)


def score(step: Step, kb: KnowledgeBase, said: set[str]) -> tuple[int, int]:
    """Two points for each word shared with the step's title or its topic, three for both;
    then, to break a tie, how many words name the topic: "the insurance one" means the
    insurance topic more surely than a step that mentions insurance in passing."""
    title = _title_words(step)
    topic = _topic_words(step, kb)
    points = sum(3 if word in title and word in topic else 2 if word in title or word in topic else 0
                 for word in said)
    return points, len(said & topic)


def match_step(text: str, candidates: Sequence[str], kb: KnowledgeBase) -> str | None:
    """The candidate step the message names, or ``None`` when it names none of them.

    Candidates come best first (the plan, then commitments, then steps shown); a tie goes
    to the earlier one, so "done the backups" marks the plan's first backup step.
    """
    said = words(text)
    if not said:
        return None
    best: tuple[tuple[int, int], str] | None = None
    seen: set[str] = set()
    for step_id in candidates:
        if step_id in seen:
            continue
        seen.add(step_id)
        step = kb.step(step_id)
        if step is None:
            continue
        points = score(step, kb, said)
        if points[0] > 0 and (best is None or points > best[0]):
            best = (points, step_id)
    return best[1] if best else None


@dataclass(frozen=True)
class StepState:
    step: Step
    status: Status


def plan_states(kb: KnowledgeBase, plan: Iterable[str], commitments: Iterable[str],
                done: Iterable[str], dropped: Iterable[str]) -> list[StepState]:
    """Each plan step in order with its status; done wins over dropped, dropped over planned."""
    committed, finished, given_up = set(commitments), set(done), set(dropped)
    states: list[StepState] = []
    for step_id in plan:
        step = kb.step(step_id)
        if step is None:
            continue
        status: Status = ("done" if step_id in finished else "dropped" if step_id in given_up
                          else "planned" if step_id in committed else "open")
        states.append(StepState(step, status))
    return states


def next_step(states: Sequence[StepState]) -> StepState | None:
    """What to do next: the first step planned and not done, else the first not started."""
    for wanted in ("planned", "open"):
        for state in states:
            if state.status == wanted:
                return state
    return None
