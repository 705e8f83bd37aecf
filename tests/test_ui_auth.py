"""Dashboard sign-in: users from the CLI, sessions, CSRF, throttling, roles per project, security headers."""

import pytest

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
