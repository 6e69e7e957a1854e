# newsbot: configured only by environment variables (see .env.example); state on /data,
# or in PostgreSQL with DATABASE_URL=postgresql://... (the driver is installed).
FROM python:3.11-slim

# WEBHOOK_LISTEN: in a container the webhook server must listen on every interface (the
# setting's default, 127.0.0.1, is unreachable from outside it); it serves only with --webhook.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/data/newsbot.db \
    WEBHOOK_LISTEN=0.0.0.0

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip install -U pip && pip install '.[postgres]' && useradd --system --uid 10001 --home-dir /data newsbot \
    && mkdir -p /data && chown newsbot /data

USER newsbot
VOLUME ["/data"]
# WEBHOOK_PORT's default; long polling (the default mode) needs no port.
EXPOSE 8443
# No HEALTHCHECK: in long-polling mode the bot serves no port to probe, and a fatal error ends
# the process, which the restart policy (docker run --restart, compose's unless-stopped) restarts.
ENTRYPOINT ["newsbot"]
CMD ["run"]
