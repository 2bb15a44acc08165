# The base image is pinned to a patch release: 3.11.16, the newest 3.11 (security) release found when this was
# written (docs.python.org/3.11 documents 3.11.16). Docker Hub could not be reached and no Docker engine was at
# hand there, so this image has not been pulled or built from this file yet: after the first build, pin the digest
# too (python:3.11.16-slim@sha256:…), and raise the patch release when a new one is out.
FROM python:3.11.16-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/trainingbot.db PORT=3000
WORKDIR /app
# Noto Sans CJK: the fallback font for Chinese, Japanese and Korean names on certificates.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
# Build-time tools at exact versions; the package is built with them (no build isolation, which would fetch
# whatever setuptools is newest at build time).
RUN pip install pip==26.3 setuptools==84.2.1 wheel==0.48.0
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install --no-deps --no-build-isolation . \
    && useradd --system --uid 10001 --home-dir /data --create-home trainingbot
USER trainingbot
WORKDIR /data
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz', timeout=4)"
# serve drains for up to ~30 s on SIGTERM: stop the container with `docker stop -t 60`.
CMD ["trainingbot", "serve"]
