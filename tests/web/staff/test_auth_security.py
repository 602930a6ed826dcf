"""Sign-in and redirects over HTTP against the real web process."""

from __future__ import annotations

import requests

from tests.web.staff.conftest import ADMIN, Dashboard, csrf_token


def test_a_redirect_target_never_leaks_into_later_responses(dashboard: Dashboard) -> None:
    """Sanic's redirect() writes Location into the headers dict it gets: never the shared one."""
    signed_in = dashboard.sign_in(ADMIN)  # a redirect to /staff/ after sign-in
    away = requests.get(f"{dashboard.url}/staff/topics?topic=backups", allow_redirects=False,
                        timeout=30)
    assert away.status_code == 302 and "topics" in away.headers["Location"]
    login = requests.get(f"{dashboard.url}/staff/login", timeout=30)
    assert login.status_code == 200 and "Location" not in login.headers
    page = signed_in.get(f"{dashboard.url}/staff/", timeout=30)
    assert page.status_code == 200 and "Location" not in page.headers


def test_the_throttled_answer_says_when_to_try_again(dashboard: Dashboard) -> None:
    session = requests.Session()
    answer = None
    for attempt in range(11):
        token = csrf_token(session.get(f"{dashboard.url}/staff/login", timeout=30).text)
        answer = session.post(f"{dashboard.url}/staff/login", timeout=30, allow_redirects=False,
                              data={"csrf_token": token, "username": "nobody.here",
                                    "password": f"guess number {attempt}", "next": "/staff/"})
    assert answer is not None and answer.status_code == 429
    assert int(answer.headers["Retry-After"]) >= 1
