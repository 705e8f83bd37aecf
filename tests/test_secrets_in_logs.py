"""Keys, passwords and bodies never reach the logs, whatever fails."""

import logging

from tests.helpers import AdminApi, message
from tests.ui import Browser, make_user


def test_no_key_password_or_body_is_logged_when_requests_fail(app, client, batches, project, caplog):
    caplog.set_level(logging.DEBUG)
    make_user(app, "gil@example.com", project.id)
    secret_body = "very-private-answer-7731"
    batches.post([message(properties={"note": secret_body})], write_key=project.write_key)
    batches.post([message()], write_key="pk_" + "x" * 32)  # 401
    batches.post_raw(b'{"writeKey": "%s", "batch": "nope %s"}' % (project.write_key.encode(), secret_body.encode()))
    AdminApi(client, project.secret_key, "people").get("/999999")  # 404 with a valid key
    AdminApi(client, project.secret_key[:-4] + "AAAA", "people").get()  # 401 with a near-miss key
    client.get(f"/v1/config?writeKey={project.write_key}&userId=nul%00")  # 422
    Browser(client).login("gil@example.com", "the-wrong-password-55")  # 401
    logged = "\n".join(r.getMessage() + str(getattr(r, "fields", "")) for r in caplog.records)
    assert "request failed" in logged  # the failures were logged…
    for secret in (
        project.secret_key,
        project.secret_key[:-4] + "AAAA",
        project.write_key,
        secret_body,
        "the-wrong-password-55",
        "gil@example.com",
    ):
        assert secret not in logged  # …without what they carried
