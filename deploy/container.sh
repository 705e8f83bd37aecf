#!/bin/sh
# Install and start Gapwise: the Dockerfile runs `install` when it builds the image and `start` as its
# entrypoint; tests/test_packaging.py runs both outside a container, so the two cannot drift apart.
#   container.sh install WHEEL [EXTRAS]   make a venv at $GAPWISE_VENV (/opt/gapwise) holding the wheel
#   container.sh start                    migrate the database, then serve on $GAPWISE_HOST:$GAPWISE_PORT
set -eu

VENV="${GAPWISE_VENV:-/opt/gapwise}"

fail() {
    echo "container.sh: $*" >&2
    exit 1
}

case "${1:-}" in
install)
    [ $# -ge 2 ] || fail "usage: container.sh install WHEEL [EXTRAS], for example: install gapwise.whl redis"
    [ -f "$2" ] || fail "no wheel at $2"
    # pip reads "file.whl[redis]" as the wheel with its redis extra.
    spec="$2${3:+[$3]}"
    # A venv keeps Gapwise's dependencies apart from the image's own Python packages.
    "${PYTHON:-python3}" -m venv "$VENV"
    # No cache by default: it would only make the image larger. pip ignores an empty value, so a caller
    # that wants its cache (the test) sets PIP_NO_CACHE_DIR= (empty).
    PIP_NO_CACHE_DIR="${PIP_NO_CACHE_DIR-1}" PIP_DISABLE_PIP_VERSION_CHECK=1 \
        "$VENV/bin/pip" install --quiet "$spec"
    echo "container.sh: installed $spec in $VENV"
    ;;
start)
    # Sessions and CSRF tokens are signed with this key: a missing or well-known key would let anyone
    # forge a dashboard sign-in, so refuse before touching the database.
    if [ -z "${GAPWISE_SECRET_KEY:-}" ] || [ "$GAPWISE_SECRET_KEY" = dev-only-change-me ]; then
        fail "GAPWISE_SECRET_KEY is not set (or is the development key): set a long random value, the same" \
            "for every process, for example: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
    fi
    [ -x "$VENV/bin/gapwise" ] || fail "no gapwise in $VENV (GAPWISE_VENV): run container.sh install WHEEL first"
    # Migrations run before this process serves, so a new version never answers on an old schema.
    "$VENV/bin/gapwise" db upgrade
    # exec: gunicorn becomes this process and gets the container's stop signal (SIGTERM) itself.
    exec "$VENV/bin/gapwise" serve --host "${GAPWISE_HOST:-0.0.0.0}" --port "${GAPWISE_PORT:-8000}" \
        --workers "${GAPWISE_WORKERS:-2}"
    ;;
*)
    fail "usage: container.sh install WHEEL [EXTRAS] | container.sh start"
    ;;
esac
