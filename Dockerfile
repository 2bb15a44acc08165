FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/trainingbot.db PORT=3000
WORKDIR /app
# Noto Sans CJK: the fallback font for Chinese, Japanese and Korean names on certificates.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock pyproject.toml README.md ./
RUN pip install -r requirements.lock
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /data --create-home trainingbot
USER trainingbot
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz', timeout=4)"
CMD ["trainingbot", "serve"]
