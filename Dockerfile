# syntax=docker/dockerfile:1
# Gapwise in one image: `docker build -t gapwise .` (docs/deploy.md says how to run it).
# The build stage makes the wheel; the runtime stage installs it with deploy/container.sh, the same script
# tests/test_packaging.py runs, so what the test checks is what the image does.

FROM python:3.11-slim AS build
WORKDIR /src
# .dockerignore lets in only what the wheel is built from. The browser bundles are committed
# (sdk_js/dist, widgets/dist), so no Node is needed; server/browser/ links to them and the wheel
# carries the files themselves.
COPY . .
RUN pip wheel --no-deps --no-cache-dir --disable-pip-version-check --wheel-dir /wheels .

FROM python:3.11-slim
# The SQLite default lives on the data volume; compose.yaml points GAPWISE_DATABASE_URL at PostgreSQL.
ENV PYTHONUNBUFFERED=1 \
    PATH=/opt/gapwise/bin:$PATH \
    GAPWISE_VENV=/opt/gapwise \
    GAPWISE_DATABASE_URL=sqlite:////var/lib/gapwise/gapwise.db \
    GAPWISE_HOST=0.0.0.0 \
    GAPWISE_PORT=8000 \
    GAPWISE_WORKERS=2
COPY --chmod=0755 deploy/container.sh /opt/gapwise-bin/container.sh
# The wheel is mounted, not copied, so it leaves no layer behind. The redis extra is small and lets
# several processes share rate limits (GAPWISE_REDIS_URL); Parquet exports (pyarrow) are left out.
RUN --mount=type=bind,from=build,source=/wheels,target=/tmp/wheels \
    /opt/gapwise-bin/container.sh install /tmp/wheels/gapwise-*.whl redis \
    && groupadd --system --gid 10001 gapwise \
    && useradd --system --uid 10001 --gid gapwise --no-create-home --home-dir /var/lib/gapwise \
        --shell /usr/sbin/nologin gapwise \
    && mkdir -p /var/lib/gapwise \
    && chown gapwise:gapwise /var/lib/gapwise
VOLUME /var/lib/gapwise
WORKDIR /var/lib/gapwise
# A numeric user, so a runtime that requires non-root (runAsNonRoot) can verify it without /etc/passwd.
USER 10001:10001
EXPOSE 8000
# slim has no curl; urlopen raises (exit 1) on a refused connection or a non-2xx answer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('GAPWISE_PORT', '8000'), timeout=4)"]
ENTRYPOINT ["/opt/gapwise-bin/container.sh", "start"]
