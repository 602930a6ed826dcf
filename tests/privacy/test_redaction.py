"""Personal data out of chat logs: the seeded corpus, the stated policies, and properties."""

from __future__ import annotations

import dataclasses
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.redaction_report import CORPUS, MIN_RECALL, Seeded, leaked, load_corpus, nlu_examples, score
from bot.privacy import CATEGORIES, PLACEHOLDERS, RedactionResult, redact
from bot.privacy.redaction import PUBLIC_EMAILS, iban_ok, luhn_ok

SEEDED, ORDINARY = load_corpus(CORPUS)


# ---- the corpus --------------------------------------------------------------------------


def test_corpus_is_big_enough_and_well_formed():
    assert len(SEEDED) >= 150 and len(ORDINARY) >= 80
    for entry in SEEDED:
        assert set(entry.expect) <= set(CATEGORIES), entry.text
        for secret in (s for secrets in entry.expect.values() for s in secrets):
            assert secret in entry.text, f"{secret!r} is not in {entry.text!r}"


def test_seeded_secrets_are_removed():
    result = score(SEEDED, [])
    misses = "\n".join(f"  {cat}: {secret!r} in {text!r}" for cat, secret, text in result.misses)
    removed, total = sum(result.removed.values()), sum(result.secrets.values())
    print(f"\nredaction recall: {result.recall:.3f} ({removed}/{total} seeded secrets removed)")
    assert result.recall >= MIN_RECALL, f"recall {result.recall:.3f}; missed:\n{misses}"


def test_ordinary_messages_come_back_unchanged():
    result = score([], ORDINARY)
    print(f"\nfalse redactions: {len(result.false_redactions)} of {len(ORDINARY)} ordinary messages")
    assert result.false_redactions == []


def test_the_projects_own_nlu_examples_are_not_redacted():
    """What owners are expected to type, as the assistant was trained on it."""
    examples = nlu_examples()
    assert len(examples) > 1000
    assert [(text, redact(text).text) for text in examples if redact(text).text != text] == []


def test_redacting_the_corpus_twice_changes_nothing():
    for text in [entry.text for entry in SEEDED] + ORDINARY:
        once = redact(text)
        assert redact(once.text) == RedactionResult(once.text, ())


def test_a_miss_counts_when_part_of_a_secret_survives():
    """The scorer would catch a redaction that left the end of a card behind."""
    entry = Seeded("card 4111 1111 1111 1111", {"card": ("4111 1111 1111 1111",)})
    assert leaked(entry, "card [CARD] 1111") == [("card", "4111 1111 1111 1111")]
    assert leaked(entry, "card [CARD]") == []


# ---- what each category looks like -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "found"),
    [
        ("mail bob.smith@example.co.uk today", "mail [EMAIL] today", ("email",)),
        ("ring 07700 900123", "ring [PHONE]", ("phone",)),
        ("ring +44 (0)20 7946 0958", "ring [PHONE]", ("phone",)),
        ("ring (020) 7946 0958", "ring [PHONE]", ("phone",)),
        ("ring +1 415 555 2671", "ring [PHONE]", ("phone",)),
        ("card 4111-1111-1111-1111 please", "card [CARD] please", ("card",)),
        ("sort code 123456", "sort code [SORT_CODE]", ("sort_code",)),
        ("12 34 56 and a/c 12345678", "[SORT_CODE] and a/c [ACCOUNT_NUMBER]",
         ("sort_code", "account_number")),
        ("pay GB29 NWBK 6016 1331 9268 19 now", "pay [IBAN] now", ("iban",)),
        ("pay DE89370400440532013000", "pay [IBAN]", ("iban",)),
        ("NI AB123456C", "NI [NI_NUMBER]", ("ni_number",)),
        ("NI AB 12 34 56 C", "NI [NI_NUMBER]", ("ni_number",)),
        ("at DN55 1PT", "at [POSTCODE]", ("postcode",)),
        ("at ec1a1bb", "at [POSTCODE]", ("postcode",)),
        ("from 203.0.113.9", "from [IP]", ("ip",)),
        ("from 2001:db8::7", "from [IP]", ("ip",)),
        ("see https://bob:pw1@example.com/x", "see https://[URL_SECRET]@example.com/x", ("url_secret",)),
        ("see https://x.example/?a=1&api_key=Zz9&b=2", "see https://x.example/?a=1&api_key=[URL_SECRET]&b=2",
         ("url_secret",)),
        ("my password is hunter2", "my password is [PASSWORD]", ("password",)),
        ("the pw is Bakery2024.", "the pw is [PASSWORD].", ("password",)),
        ("pin is 1234", "pin is [PASSWORD]", ("password",)),
        ("passcode 998877", "passcode [PASSWORD]", ("password",)),
        ("login is bob and password is x", "login is bob and password is [PASSWORD]", ("password",)),
    ],
)
def test_each_category_gets_its_placeholder(text, expected, found):
    assert redact(text) == RedactionResult(expected, found)


def test_found_lists_each_category_once_in_order_of_appearance():
    result = redact("call 07700 900123 or bob@example.com or 07700 900456")
    assert result.found == ("phone", "email")
    assert result.text == "call [PHONE] or [EMAIL] or [PHONE]"


def test_placeholders_are_all_distinct_and_bracketed():
    assert len(set(PLACEHOLDERS.values())) == len(PLACEHOLDERS)
    assert all(p.startswith("[") and p.endswith("]") for p in PLACEHOLDERS.values())


def test_result_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        redact("hello").text = "changed"  # type: ignore[misc]


# ---- policies ----------------------------------------------------------------------------


def test_policy_public_service_numbers_stay_and_every_other_phone_number_goes():
    """Report Fraud's 0300 123 2040 is what the assistant tells people to call; short codes
    (101, 999, 159, 7726) are never phone-shaped. Any other number, even a business's 0800
    line, is redacted: we cannot tell a business line from a sole trader's own phone."""
    kept = "call 0300 123 2040 or 101, or 999 in an emergency; forward texts to 7726 and call 159"
    assert redact(kept).text == kept
    assert redact("call +44 300 123 2040").text == "call +44 300 123 2040"
    assert redact("call 0300 123 2041").text == "call [PHONE]"
    assert redact("call 0800 123 4567").text == "call [PHONE]"


def test_policy_public_reporting_address_stays():
    text = "I forwarded it to report@phishing.gov.uk like you said"
    assert redact(text).text == text


def test_policy_a_long_number_failing_luhn_is_not_a_card_but_is_still_removed():
    """Most often a mistyped card or a reference that points at a person."""
    assert not luhn_ok("4111111111111112")
    assert redact("it was 4111 1111 1111 1112") == RedactionResult("it was [NUMBER]", ("long_number",))
    assert redact("order 1234567890").text == "order 1234567890"  # 10 digits: too short to matter


def test_policy_dashed_dates_are_not_sort_codes_but_dashed_bank_details_are():
    assert redact("the email came on 12-03-24").text == "the email came on 12-03-24"
    assert redact("pay 12-03-24 now").text == "pay [SORT_CODE] now"
    assert redact("we have 12345678 followers").text == "we have 12345678 followers"


def test_stricter_shapes_win_over_looser_ones():
    assert redact("GB82WEST12345698765432").found == ("iban",)  # not an account number
    assert redact("4012 8888 8888 1881").found == ("card",)  # not a phone number
    assert redact("Windows 10 4111 1111 1111 1111").text == "Windows 10 [CARD]"


@pytest.mark.parametrize(
    "text",
    [
        "we have 12 staff", "about 2024", "Windows 10", "Microsoft 365", "call 101", "version 3.6.21",
        "£500", "14 days", "72 hours", "3 random words", "2FA", "1 in 2", "passwords are hard",
        "what is a strong password?", "password manager", "I forgot my password",
        "my password is too short", "my password is 16 characters long", "the pin is 4 digits",
        "my password is my kids names and birthday", "Windows build 10.0.19045.2965",
        "Our printer is an HP M404dn", "S3 5TB bucket", "meeting at 10:30:00", "v1.2.3.4",
    ],
)
def test_ordinary_words_and_numbers_are_left_alone(text):
    assert redact(text) == RedactionResult(text, ())


# ---- checksums ---------------------------------------------------------------------------


def test_checksums_match_published_examples():
    assert luhn_ok("4111111111111111") and luhn_ok("378282246310005") and not luhn_ok("4111111111111121")
    assert iban_ok("GB29NWBK60161331926819") and iban_ok("FR1420041010050500013M02606")
    assert not iban_ok("GB29NWBK60161331926818")


# ---- properties --------------------------------------------------------------------------

ORDINARY_WORDS = sorted({word for text in ORDINARY for word in text.split()})
surrounding = st.one_of(
    st.sampled_from(ORDINARY),
    st.lists(st.sampled_from(ORDINARY_WORDS), max_size=8).map(" ".join),
    st.text(alphabet=string.ascii_letters + " ,.?!'", max_size=30),
)


def _label(min_size: int = 1) -> st.SearchStrategy[str]:
    return st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True).filter(
        lambda s: len(s) >= min_size)


emails = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
    st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,15}[A-Za-z0-9])?", fullmatch=True).filter(
        lambda s: ".." not in s),
    st.lists(_label(), min_size=1, max_size=3),
    st.from_regex(r"[a-z]{2,6}", fullmatch=True),
).filter(lambda e: e.lower() not in PUBLIC_EMAILS)


def _in_fours(text: str, separator: str = " ") -> str:
    return separator.join(text[i:i + 4] for i in range(0, len(text), 4))


@st.composite
def cards(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["4", "51", "55", "2221", "34", "37", "6011", "35"]))
    length = draw(st.integers(min_value=13, max_value=19))
    body = prefix + draw(st.text(alphabet=string.digits, min_size=length - len(prefix) - 1,
                                 max_size=length - len(prefix) - 1))
    number = next(body + d for d in string.digits if luhn_ok(body + d))
    return draw(st.sampled_from([number, _in_fours(number), _in_fours(number, "-")]))


def _iban(country: str, bban: str) -> str:
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


_BBAN_SHAPES = {  # country: regex for the part after the check digits
    "GB": r"[A-Z]{4}[0-9]{14}", "IE": r"[A-Z]{4}[0-9]{14}", "DE": r"[0-9]{18}", "NL": r"[A-Z]{4}[0-9]{10}",
    "FR": r"[0-9]{10}[A-Z0-9]{11}[0-9]{2}", "ES": r"[0-9]{20}", "BE": r"[0-9]{12}",
}


@st.composite
def ibans(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(sorted(_BBAN_SHAPES)))
    iban = _iban(country, draw(st.from_regex(_BBAN_SHAPES[country], fullmatch=True)))
    return draw(st.sampled_from([iban, _in_fours(iban), iban.lower()]))


@given(before=surrounding, email=emails, after=surrounding)
def test_any_email_in_ordinary_text_is_removed(before, email, after):
    result = redact(f"{before} {email} {after}")
    assert email not in result.text and "email" in result.found


@given(before=surrounding, card=cards(), after=surrounding)
def test_any_luhn_valid_card_in_ordinary_text_is_removed(before, card, after):
    result = redact(f"{before} {card} {after}")
    assert card not in result.text and "card" in result.found
    for group in card.replace("-", " ").split():  # no group left behind either
        assert group not in result.text or group in before or group in after


@given(before=surrounding, iban=ibans(), after=surrounding)
def test_any_valid_iban_in_ordinary_text_is_removed(before, iban, after):
    assert iban_ok(iban.replace(" ", "").upper())
    result = redact(f"{before} {iban} {after}")
    assert iban not in result.text and "iban" in result.found


corpus_pieces = st.sampled_from([entry.text for entry in SEEDED] + ORDINARY + ORDINARY_WORDS)


@given(st.one_of(st.text(max_size=200), st.lists(corpus_pieces, max_size=6).map(" ".join),
                 st.lists(st.one_of(corpus_pieces, st.text(string.digits + " -+()", max_size=20)),
                          max_size=6).map("".join)))
def test_redaction_is_idempotent(text):
    once = redact(text)
    assert redact(once.text) == RedactionResult(once.text, ())


@given(st.one_of(
    st.text(alphabet=string.ascii_letters + " .,!?'-:/\n", max_size=200),
    st.lists(st.sampled_from([w for w in ORDINARY_WORDS if not any(c.isdigit() or c in "@=" for c in w)]),
             max_size=20).map(" ".join),
))
def test_text_without_digits_or_at_signs_changes_only_for_a_password(text):
    """Every other category needs a digit or an @ (or a URL's ``key=``, kept out of this alphabet)."""
    result = redact(text)
    assert result.found in ((), ("password",))
    if not result.found:
        assert result.text == text
