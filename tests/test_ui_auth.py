"""Dashboard sign-in: users from the CLI, sessions, CSRF, throttling, roles per project, security headers."""

import time

import pytest
from sqlalchemy import func, select

from gapwise.db import db
from gapwise.models import SignInAttempt
from tests.ui import PASSWORD, Browser, make_user


@pytest.fixture
def browser(client):
    return Browser(client)


def test_the_cli_creates_a_user_who_signs_in_and_lands_on_their_project(app, gapwise, project, browser):
    result = gapwise(
        "user", "create", "Maya@Example.com", "--password", PASSWORD, "--project", project.id, "--role", "editor"
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert f"user maya@example.com created, editor of project {project.id}" in result.output
    signed_in = browser.login("maya@example.com")
    assert signed_in.status_code == 302
    landing = browser.client.get(signed_in.headers["Location"])
    assert landing.status_code == 302 and landing.headers["Location"].endswith(f"/app/p/{project.id}/")
    page = browser.client.get(landing.headers["Location"])
    assert page.status_code == 200 and "maya@example.com · editor" in page.get_data(as_text=True)
    assert gapwise("user", "create", "maya@example.com", "--password", PASSWORD).exit_code == 1
    assert gapwise("user", "create", "x@example.com", "--password", "short").exit_code == 1


def test_pages_need_a_session_and_a_membership(app, project, other_project, browser):
    assert browser.client.get(f"/app/p/{project.id}/").status_code == 302  # to the sign-in page
    make_user(app, "viewer@example.com", project.id)
    browser.login("viewer@example.com")
    assert browser.client.get(f"/app/p/{project.id}/surveys").status_code == 200
    stranger = browser.client.get(f"/app/p/{other_project.id}/surveys")
    assert stranger.status_code == 404 and "text/html" in stranger.content_type


def test_wrong_passwords_are_refused_alike_and_throttled(app, project, browser):
    make_user(app, "ana@example.com", project.id)
    assert browser.login("ana@example.com", "wrong password!").status_code == 401
    assert browser.login("nobody@example.com").status_code == 401
    app.config["LOGIN_ATTEMPTS"] = 3
    answers = [browser.login("ana@example.com", "wrong again!!") for _ in range(3)]
    assert answers[-1].status_code == 429 and int(answers[-1].headers["Retry-After"]) > 0
    assert browser.login("ana@example.com").status_code == 429  # even the right password waits


def test_a_form_without_its_csrf_token_is_refused(app, project, browser):
    make_user(app, "ben@example.com", project.id)
    refused = browser.client.post("/app/login", data={"email": "ben@example.com", "password": PASSWORD})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    browser.login("ben@example.com")
    assert browser.client.post("/app/logout").status_code == 400
    assert browser.client.get(f"/app/p/{project.id}/").status_code == 200  # still signed in


def test_a_next_link_cannot_send_a_user_off_site(app, project, browser):
    make_user(app, "cy@example.com", project.id)
    token = browser.token()
    answer = browser.client.post(
        "/app/login?next=//evil.example/app/",
        data={"email": "cy@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert answer.headers["Location"] == "/app/"


@pytest.mark.parametrize(
    "target",
    ["/app/%0d%0aSet-Cookie:%20x=1", "/app/%0aX", "/app/%5C%5Cevil.example", "/app/%09x", "/app/" + "a" * 3000],
)
def test_a_next_link_with_control_characters_or_backslashes_goes_home_not_to_a_500(app, project, browser, target):
    make_user(app, "cy@example.com", project.id)
    token = browser.token()
    answer = browser.client.post(
        f"/app/login?next={target}", data={"email": "cy@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/app/"


def test_dashboard_pages_carry_security_headers_and_a_safe_session_cookie(app, project, browser):
    make_user(app, "dee@example.com", project.id)
    answer = browser.login("dee@example.com")
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    page = browser.client.get("/app/login")
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_the_tracker_and_the_apis_do_not_vary_on_the_dashboard_session(app, project, browser):
    make_user(app, "eve@example.com", project.id)
    browser.login("eve@example.com")
    for path in ("/sdk/gapwise.js", f"/v1/config?writeKey={project.write_key}&anonymousId=a1", "/healthz"):
        answer = browser.client.get(path)
        assert "Cookie" not in answer.headers.get("Vary", ""), path
        assert "Set-Cookie" not in answer.headers, path
    assert "Cookie" in browser.client.get(f"/app/p/{project.id}/").headers.get("Vary", "")


def test_a_form_body_past_the_cap_is_refused_before_it_is_read(app, project, browser):
    make_user(app, "flo@example.com", project.id)
    token = browser.token()
    huge = browser.client.post(
        "/app/login", data={"email": "flo@example.com", "password": "x" * 300_000, "csrf_token": token}
    )
    assert huge.status_code == 413
    assert browser.login("flo@example.com").status_code == 302


def _signed_in_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_session_cookie_copied_before_sign_out_does_not_work_after_it(app, project, browser):
    make_user(app, "dee@example.com", project.id)
    browser.login("dee@example.com")
    copied = _signed_in_cookie(browser.client)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get(f"/app/p/{project.id}/").status_code == 200  # the copy works while the session lives
    assert browser.submit(f"/app/p/{project.id}/", "/app/logout", {}).status_code == 302
    assert browser.client.get(f"/app/p/{project.id}/").status_code == 302
    after = thief.get(f"/app/p/{project.id}/")
    assert after.status_code == 302 and "/app/login" in after.headers["Location"]
    # Signing in again starts a session the old copy still does not reach.
    browser.login("dee@example.com")
    assert browser.client.get(f"/app/p/{project.id}/").status_code == 200
    assert thief.get(f"/app/p/{project.id}/").status_code == 302


def test_signing_in_starts_a_new_session_and_csrf_token(app, project, browser):
    make_user(app, "eve@example.com", project.id)
    before = browser.token()
    planted = _signed_in_cookie(browser.client)  # what someone could have set in the browser beforehand
    browser.login("eve@example.com")
    assert _signed_in_cookie(browser.client) != planted
    after = browser.token(f"/app/p/{project.id}/")
    assert after != before
    # The token issued before sign-in no longer passes for a form of the signed-in session.
    stale = browser.client.post("/app/logout", data={"csrf_token": before})
    assert stale.status_code == 400
    assert browser.client.get(f"/app/p/{project.id}/").status_code == 200
    assert browser.client.post("/app/logout", data={"csrf_token": after}).status_code == 302


def _login_from(browser, address: str, email: str, password: str = PASSWORD):
    client = browser.client
    token = browser.token()
    return client.post(
        "/app/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_a_stranger_guessing_from_elsewhere_cannot_lock_the_owner_out(app, project, client):
    make_user(app, "fay@example.com", project.id)
    app.config["LOGIN_ATTEMPTS"] = 3
    stranger = Browser(app.test_client())
    answers = [_login_from(stranger, "203.0.113.9", "fay@example.com", "guess number 1") for _ in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429]
    assert _login_from(stranger, "203.0.113.9", "fay@example.com").status_code == 429  # the right one waits too
    owner = Browser(app.test_client())
    assert _login_from(owner, "198.51.100.7", "fay@example.com").status_code == 302


def test_one_address_cannot_try_many_accounts(app, project):
    app.config["LOGIN_ATTEMPTS_PER_ADDRESS"] = 4
    sprayer = Browser(app.test_client())
    answers = [_login_from(sprayer, "203.0.113.10", f"user{n}@example.com", "guess number 1") for n in range(6)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429, 429]
    assert _login_from(Browser(app.test_client()), "203.0.113.11", "user9@example.com").status_code == 401


def test_every_process_counts_the_same_attempts(app, project):
    """Two apps on one database (two worker processes, or two machines) share the count."""
    from tests.helpers import app_for_tests

    app.config["LOGIN_ATTEMPTS"] = 4
    other = app_for_tests({**app.config, "LOGIN_ATTEMPTS": 4})
    try:
        make_user(app, "gus@example.com", project.id)
        first, second = Browser(app.test_client()), Browser(other.test_client())
        statuses = [
            _login_from(browser, "203.0.113.12", "gus@example.com", "guess number 1").status_code
            for browser in (first, second, first, second, first, second)
        ]
        assert statuses == [401, 401, 401, 401, 429, 429]
    finally:
        other.extensions["gapwise.db"].engine.dispose()


def test_attempts_are_shared_through_redis_when_it_is_configured(app, project):
    import uuid

    redis_config = {
        **app.config,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "RATE_LIMIT_PREFIX": f"gw-test-{uuid.uuid4().hex[:8]}",
        "LOGIN_ATTEMPTS": 3,
    }
    from tests.helpers import app_for_tests

    one, two = app_for_tests(redis_config), app_for_tests(redis_config)
    try:
        make_user(one, "hal@example.com", project.id)
        statuses = [
            _login_from(Browser(apps.test_client()), "203.0.113.13", "hal@example.com", "guess number 1").status_code
            for apps in (one, two, one, two)
        ]
        assert statuses == [401, 401, 401, 429]
        with one.app_context():  # counted in Redis, not in the table
            assert db.session.scalar(select(func.count()).select_from(SignInAttempt)) == 0
    finally:
        for each in (one, two):
            each.extensions["gapwise.db"].engine.dispose()


def test_old_attempts_leave_the_table(app, project, monkeypatch):
    """Memory stays bounded: attempts older than the window are deleted, whoever made them."""
    import gapwise.core.projects.sign_in as sign_in

    started = time.time()
    monkeypatch.setattr(sign_in.time, "time", lambda: started)
    for n in range(20):
        _login_from(Browser(app.test_client()), f"203.0.113.{n}", f"nobody{n}@example.com", "guess number 1")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInAttempt)) == 40  # pair and address each
    monkeypatch.setattr(sign_in.time, "time", lambda: started + app.config["LOGIN_WINDOW_SECONDS"] + 1)
    _login_from(Browser(app.test_client()), "203.0.113.99", "late@example.com", "guess number 1")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInAttempt)) == 2


@pytest.mark.parametrize(
    "email",
    [b"a%00b@example.com", b"%ED%B3%BF@example.com", b"%FF%FE@example.com", b"x" * 5000, b"a%0D%0ABcc:%20x", b""],
    ids=["nul", "surrogate", "invalid-utf8", "long", "crlf", "empty"],
)
def test_no_input_to_the_sign_in_form_gives_a_500(app, project, browser, email):
    body = b"email=" + email + b"&password=" + email + b"&csrf_token=" + browser.token().encode()
    answer = browser.client.post("/app/login", data=body, content_type="application/x-www-form-urlencoded")
    assert 400 <= answer.status_code < 500
