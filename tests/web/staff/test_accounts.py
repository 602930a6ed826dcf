"""Staff accounts, sign-in lockout and sessions on a real, migrated SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.storage.database import create_engine, upgrade
from bot.web.staff import accounts, sessions

NOW = datetime(2026, 3, 2, 9, 0, 0)
PASSWORD = "a long enough passphrase"  # noqa: S105 - test data


@pytest.fixture()
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    upgrade(url)
    return url


@pytest.fixture()
def conn(database: str) -> Iterator[Connection]:
    engine = create_engine(database)
    with engine.begin() as connection:
        yield connection
    engine.dispose()


def test_passwords_are_stored_as_argon2_hashes(conn: Connection) -> None:
    accounts.add(conn, "Ada", "admin", PASSWORD, NOW)
    stored = conn.execute(sa.text("SELECT username, password_hash FROM staff_users")).one()
    assert stored.username == "ada"
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    assert accounts.login(conn, "ADA ", PASSWORD, NOW).status == "ok"
    assert accounts.login(conn, "ada", PASSWORD + "x", NOW).status == "wrong"


@pytest.mark.parametrize(("username", "role", "password", "problem"), [
    ("ada", "admin", "short", "at least 12"),
    ("ada", "owner", PASSWORD, "Role must be"),
    ("a", "admin", PASSWORD, "Usernames are"),
    ("ada smith", "admin", PASSWORD, "Usernames are"),
])
def test_bad_accounts_are_refused_with_a_reason(conn: Connection, username: str, role: str, password: str,
                                                problem: str) -> None:
    with pytest.raises(accounts.AccountError, match=problem):
        accounts.add(conn, username, role, password, NOW)
    assert conn.execute(sa.text("SELECT count(*) FROM staff_users")).scalar() == 0


def test_duplicate_usernames_are_refused(conn: Connection) -> None:
    accounts.add(conn, "ada", "admin", PASSWORD, NOW)
    with pytest.raises(accounts.AccountError, match="already"):
        accounts.add(conn, "ADA", "analyst", PASSWORD, NOW)


ATTACKER, DESK = "203.0.113.7", "198.51.100.20"


def test_ten_wrong_passwords_space_out_checks_but_never_lock_the_owner_out(conn: Connection) -> None:
    accounts.add(conn, "ada", "admin", PASSWORD, NOW)
    results = [accounts.login(conn, "ada", f"wrong {n}", NOW + timedelta(seconds=n), address=ATTACKER)
               for n in range(10)]
    assert [r.status for r in results] == ["wrong"] * 10
    # Slowed down: no delay at first, then growing.
    delays = [r.delay for r in results]
    assert delays[:2] == [0.0, 0.0] and delays == sorted(delays) and delays[-1] > delays[2] > 0
    # The attacker's next guess comes too soon: it is not even checked.
    soon = accounts.login(conn, "ada", PASSWORD, NOW + timedelta(seconds=11), address=ATTACKER)
    assert soon.status == "throttled" and soon.locked_until is not None
    # Ada at her own desk signs in straight away: the guessing cannot keep her out.
    assert accounts.login(conn, "ada", PASSWORD, NOW + timedelta(seconds=12), address=DESK).status == "ok"


def test_one_address_spraying_many_usernames_is_refused(conn: Connection) -> None:
    accounts.add(conn, "ada", "admin", PASSWORD, NOW)
    results = [accounts.login(conn, f"user{n}", "Summer2026!", NOW, address=ATTACKER) for n in range(20)]
    assert all(r.status == "wrong" for r in results)
    # The 21st guess from that address is refused, even with ada's real password...
    refused = accounts.login(conn, "ada", PASSWORD, NOW, address=ATTACKER)
    assert refused.status == "address"
    # ...while everyone else, ada included, signs in as usual.
    assert accounts.login(conn, "ada", PASSWORD, NOW, address=DESK).status == "ok"
    # The address is let in again once the window has passed.
    later = accounts.login(conn, "ada", PASSWORD, NOW + timedelta(minutes=16), address=ATTACKER)
    assert later.status == "ok"


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "password1234", "Password1234!", "qwertyuiop123",
                                      "iloveyou2026", "111111111111"])
def test_common_and_repeated_passwords_are_refused(conn: Connection, password: str) -> None:
    with pytest.raises(accounts.AccountError, match="common passwords|one character repeated"):
        accounts.add(conn, "ada", "admin", password, NOW)


def test_a_passphrase_of_random_words_is_accepted(conn: Connection) -> None:
    assert accounts.add(conn, "ada", "admin", "tangerine lamp river", NOW).username == "ada"


def test_failures_spread_out_over_time_do_not_lock(conn: Connection) -> None:
    accounts.add(conn, "ada", "analyst", PASSWORD, NOW)
    for n in range(12):
        assert accounts.login(conn, "ada", "wrong", NOW + timedelta(minutes=20 * n)).status == "wrong"


def test_unknown_usernames_are_throttled_too_so_it_reveals_nothing(conn: Connection) -> None:
    results = [accounts.login(conn, "nobody", "guess", NOW, address=ATTACKER) for _ in range(11)]
    assert results[-1].status == "throttled"


def test_old_failures_of_other_usernames_are_forgotten(conn: Connection) -> None:
    for name in ("guess1", "guess2"):
        accounts.login(conn, name, "x", NOW)
    accounts.login(conn, "guess3", "x", NOW + timedelta(minutes=30))
    names = [row.username for row in conn.execute(sa.text("SELECT username FROM staff_login_attempts"))]
    assert names == ["guess3"]


def test_admin_unlock_and_password_reset_clear_the_lock(conn: Connection) -> None:
    accounts.add(conn, "ada", "analyst", PASSWORD, NOW)
    for _ in range(10):
        accounts.login(conn, "ada", "wrong", NOW)
    accounts.unlock(conn, "ada")
    assert accounts.login(conn, "ada", PASSWORD, NOW).status == "ok"
    for _ in range(10):
        accounts.login(conn, "ada", "wrong", NOW)
    accounts.reset_password(conn, "ada", "another long passphrase", NOW)
    assert accounts.login(conn, "ada", "another long passphrase", NOW).status == "ok"
    assert accounts.login(conn, "ada", PASSWORD, NOW).status == "wrong"


def test_disabling_ends_sessions_and_stops_sign_in(conn: Connection) -> None:
    staff = accounts.add(conn, "ada", "admin", PASSWORD, NOW)
    token = sessions.start(conn, staff, NOW)
    assert sessions.lookup(conn, token, NOW) is not None
    stored = conn.execute(sa.text("SELECT token_hash FROM staff_sessions")).scalar()
    assert stored != token and len(stored) == 64  # only a hash of the cookie is kept
    accounts.set_active(conn, "ada", False)
    assert sessions.lookup(conn, token, NOW) is None
    assert accounts.login(conn, "ada", PASSWORD, NOW).status == "wrong"


def test_sessions_end_when_idle_or_too_old(conn: Connection) -> None:
    staff = accounts.add(conn, "ada", "admin", PASSWORD, NOW)
    idle = sessions.start(conn, staff, NOW)
    assert sessions.lookup(conn, idle, NOW + timedelta(minutes=61)) is None
    busy = sessions.start(conn, staff, NOW)
    moment = NOW
    for _ in range(11):  # used every 59 minutes: still alive for 11 hours
        moment += timedelta(minutes=59)
        assert sessions.lookup(conn, busy, moment) is not None
    assert sessions.lookup(conn, busy, NOW + timedelta(hours=12, minutes=1)) is None
    # Ended sessions are deleted when someone next signs in.
    sessions.start(conn, staff, NOW + timedelta(days=1))
    assert conn.execute(sa.text("SELECT count(*) FROM staff_sessions")).scalar() == 1


def test_cli_adds_disables_and_resets(database: str) -> None:
    runner = CliRunner()
    added = runner.invoke(cli, ["staff", "add", "ada", "--role", "admin", "--password-stdin",
                                "--database-url", database], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "Added ada as admin" in added.output
    again = runner.invoke(cli, ["staff", "add", "ada", "--role", "admin", "--password-stdin",
                                "--database-url", database], input=PASSWORD + "\n")
    assert again.exit_code == 1 and "already an account" in again.output
    short = runner.invoke(cli, ["staff", "add", "bob", "--role", "analyst", "--password-stdin",
                                "--database-url", database], input="short\n")
    assert short.exit_code == 1 and "at least 12" in short.output
    prompted = runner.invoke(cli, ["staff", "add", "cy", "--role", "analyst", "--database-url", database],
                             input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0 and PASSWORD not in prompted.output
    assert runner.invoke(cli, ["staff", "disable", "ada", "--database-url", database]).exit_code == 0
    reset = runner.invoke(cli, ["staff", "reset-password", "cy", "--password-stdin",
                                "--database-url", database], input="a brand new passphrase\n")
    assert reset.exit_code == 0
    engine = create_engine(database)
    with engine.begin() as connection:
        assert accounts.login(connection, "ada", PASSWORD, NOW).status == "wrong"  # disabled
        assert accounts.login(connection, "cy", "a brand new passphrase", NOW).status == "ok"
        actions = [row.action for row in connection.execute(sa.text("SELECT action FROM staff_audit"))]
    engine.dispose()
    assert actions == ["staff_add", "staff_add", "staff_disable", "staff_reset_password"]
    listing = runner.invoke(cli, ["staff", "list", "--database-url", database])
    assert "ada\tadmin\tdisabled" in listing.output and "cy\tanalyst\tactive" in listing.output
