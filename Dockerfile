# newsbot: configured only by environment variables (see .env.example); state on /data,
# or in PostgreSQL with DATABASE_URL=postgresql://... (the driver is installed).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/data/newsbot.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip install -U pip && pip install '.[postgres]' && useradd --system --uid 10001 --home-dir /data newsbot \
    && mkdir -p /data && chown newsbot /data

USER newsbot
VOLUME ["/data"]
ENTRYPOINT ["newsbot"]
CMD ["run"]
