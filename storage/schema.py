"""The database schema and its numbered migrations.

A new database is built by applying every migration in order; an existing one is brought
forward from the version in ``PRAGMA user_version``. A migration, once released, is never
edited: a change of schema is a new function appended to ``MIGRATIONS``. A database newer
than the newest migration is refused, since this code cannot know what it holds.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Awaitable, Callable

import aiosqlite

from storage import stemdf
from storage.errors import SchemaTooNewError, StorageError

log = logging.getLogger(__name__)

# Version 1: the whole product's schema, so later features extend rather than rewrite.
_V1 = """
CREATE TABLE feeds (
    id               INTEGER PRIMARY KEY,
    url              TEXT NOT NULL UNIQUE,
    title            TEXT NOT NULL DEFAULT '',
    site_url         TEXT NOT NULL DEFAULT '',
    etag             TEXT,
    last_modified    TEXT,
    enabled          INTEGER NOT NULL DEFAULT 1,
    poll_interval_s  INTEGER,                 -- NULL: the default from settings
    error_count      INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    last_polled_at   TEXT,
    last_success_at  TEXT,                    -- NULL until the first good poll (first-run rule)
    next_poll_at     TEXT,
    added_by         INTEGER,
    created_at       TEXT NOT NULL
);
CREATE INDEX feeds_due ON feeds (enabled, next_poll_at);

-- One row per story. Duplicates (same canonical URL, GUID or near-identical text) from other
-- feeds or URLs become rows of article_sources, never a second article.
CREATE TABLE articles (
    id             INTEGER PRIMARY KEY,
    feed_id        INTEGER REFERENCES feeds (id) ON DELETE SET NULL,
    url            TEXT NOT NULL,
    canonical_url  TEXT NOT NULL UNIQUE,
    guid           TEXT,
    title          TEXT NOT NULL,
    text           TEXT NOT NULL DEFAULT '',
    summary        TEXT NOT NULL DEFAULT '',
    language       TEXT NOT NULL DEFAULT '',
    author         TEXT NOT NULL DEFAULT '',
    published_at   TEXT,
    fetched_at     TEXT NOT NULL,
    from_feed      INTEGER NOT NULL DEFAULT 0,   -- text is the feed's description, page failed
    related_json   TEXT NOT NULL DEFAULT '[]',   -- links the page itself lists as related
    fingerprint    INTEGER,                      -- 64-bit SimHash of the text, signed
    fp_band0       INTEGER,
    fp_band1       INTEGER,
    fp_band2       INTEGER,
    fp_band3       INTEGER,
    source_count   INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX articles_feed_time ON articles (feed_id, fetched_at);
CREATE INDEX articles_fetched ON articles (fetched_at);
CREATE INDEX articles_fp0 ON articles (fp_band0);
CREATE INDEX articles_fp1 ON articles (fp_band1);
CREATE INDEX articles_fp2 ON articles (fp_band2);
CREATE INDEX articles_fp3 ON articles (fp_band3);

CREATE TABLE article_sources (
    id             INTEGER PRIMARY KEY,
    article_id     INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    feed_id        INTEGER REFERENCES feeds (id) ON DELETE SET NULL,
    url            TEXT NOT NULL,
    canonical_url  TEXT NOT NULL,
    guid           TEXT,
    seen_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX article_sources_url ON article_sources (canonical_url);
CREATE UNIQUE INDEX article_sources_guid ON article_sources (feed_id, guid) WHERE guid IS NOT NULL;
CREATE INDEX article_sources_article ON article_sources (article_id);

-- Search index: rowid = articles.id; columns hold normalized stems (bot.news.textsearch).
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, body, tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE chats (
    id                 INTEGER PRIMARY KEY,      -- Telegram chat id
    kind               TEXT NOT NULL CHECK (kind IN ('private', 'group', 'supergroup', 'channel')),
    title              TEXT NOT NULL DEFAULT '',
    username           TEXT,
    active             INTEGER NOT NULL DEFAULT 1,
    inactive_reason    TEXT,
    can_post           INTEGER,                  -- NULL: not checked yet
    paused             INTEGER NOT NULL DEFAULT 0,
    timezone           TEXT,                     -- NULL: the bot's default time zone
    language           TEXT,                     -- language of bot messages; NULL: from the user
    summaries          INTEGER NOT NULL DEFAULT 1,
    link_previews      INTEGER,                  -- NULL: the default from settings
    digest_time        TEXT,                     -- 'HH:MM' local time; NULL: no daily digest
    last_digest_at     TEXT,
    post_interval_min  INTEGER NOT NULL DEFAULT 0,   -- 0: post as soon as an article arrives
    max_per_hour       INTEGER,                  -- NULL: no limit of our own
    quiet_start        TEXT,                     -- 'HH:MM' local time, with quiet_end
    quiet_end          TEXT,
    last_post_at       TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX chats_kind ON chats (kind, active);

CREATE TABLE subscriptions (
    chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    feed_id     INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    include_kw  TEXT NOT NULL DEFAULT '',    -- comma-separated keywords; empty: everything
    exclude_kw  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, feed_id)
);
CREATE INDEX subscriptions_feed ON subscriptions (feed_id);

CREATE TABLE broadcasts (
    id          INTEGER PRIMARY KEY,
    text        TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TEXT NOT NULL
);

-- The outbox. A message is a row first, then a send, then a state change; restarts resume
-- from the rows, and the unique indexes make "never twice" a property of the schema.
CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('article', 'broadcast', 'digest')),
    article_id       INTEGER REFERENCES articles (id) ON DELETE CASCADE,
    broadcast_id     INTEGER REFERENCES broadcasts (id) ON DELETE CASCADE,
    digest_key       TEXT,                   -- e.g. the local date of a daily digest
    payload          TEXT,                   -- rendered text for digests
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    claimed_at       TEXT,
    sent_at          TEXT,
    message_id       INTEGER,
    last_error       TEXT,
    created_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX deliveries_article ON deliveries (chat_id, article_id) WHERE article_id IS NOT NULL;
CREATE UNIQUE INDEX deliveries_broadcast ON deliveries (chat_id, broadcast_id) WHERE broadcast_id IS NOT NULL;
CREATE UNIQUE INDEX deliveries_digest ON deliveries (chat_id, digest_key) WHERE digest_key IS NOT NULL;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_chat_sent ON deliveries (chat_id, sent_at);

CREATE TABLE app_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
"""

Migration = Callable[[aiosqlite.Connection], Awaitable[None]]


def _statements(script: str) -> list[str]:
    """Split a script into statements (``executescript`` would commit the open transaction)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    return [s for s in statements if s]


async def _run_script(db: aiosqlite.Connection, script: str) -> None:
    for statement in _statements(script):
        await db.execute(statement)


async def _to_v1(db: aiosqlite.Connection) -> None:
    await _run_script(db, _V1)


async def _to_v2(db: aiosqlite.Connection) -> None:
    # A link preview chosen for one message (/post URL ... preview), overriding the chat's.
    await db.execute("ALTER TABLE deliveries ADD COLUMN link_preview INTEGER")


async def _to_v3(db: aiosqlite.Connection) -> None:
    # When a row first failed for a passing reason: retries go on for DELIVERY_RETRY_HOURS from
    # then; re-queueing a failed row clears it, so the row gets a fresh window.
    await db.execute("ALTER TABLE deliveries ADD COLUMN first_failed_at TEXT")


async def _rich_posts(db: aiosqlite.Connection) -> None:
    # Pictures, whole articles in Telegram, forum topics, hashtags and post parts (issue 13).
    for statement in (
        "ALTER TABLE articles ADD COLUMN image_url TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE articles ADD COLUMN categories_json TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE chats ADD COLUMN images INTEGER",            # NULL: POST_IMAGES
        "ALTER TABLE chats ADD COLUMN article_mode TEXT",         # off|button|post; NULL: ARTICLE_MODE
        "ALTER TABLE chats ADD COLUMN hashtags INTEGER NOT NULL DEFAULT 0",   # how many, 0: none
        "ALTER TABLE chats ADD COLUMN hidden_parts TEXT NOT NULL DEFAULT ''",  # e.g. 'buttons,readalso'
        "ALTER TABLE subscriptions ADD COLUMN topic_id INTEGER",  # forum topic (message_thread_id)
        "ALTER TABLE subscriptions ADD COLUMN topic_name TEXT",
        "ALTER TABLE deliveries ADD COLUMN thread_id INTEGER",    # the topic the row is meant for
        "ALTER TABLE deliveries ADD COLUMN sent_as TEXT",         # text|photo|rich: how it went out
    ):
        await db.execute(statement)


_SCHEDULES = """
-- Digest timetables of channels (bot.delivery.schedule): 'digest' posts a roundup at local
-- times; 'overflow' rolls the stories over a channel's hourly cap into a digest every hour.
CREATE TABLE schedules (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('digest', 'overflow')),
    days            TEXT NOT NULL DEFAULT '',   -- 'mon,thu'; '' every day
    times           TEXT NOT NULL,              -- local 'HH:MM,HH:MM'
    include_posted  INTEGER NOT NULL DEFAULT 0,
    post_empty      INTEGER NOT NULL DEFAULT 0,
    summaries       INTEGER NOT NULL DEFAULT 0,
    only_digests    INTEGER NOT NULL DEFAULT 0, -- the chat gets stories only in digests
    active_from     TEXT NOT NULL               -- set or changed then: only later slots are due
);
CREATE INDEX schedules_chat ON schedules (chat_id);

-- One row per slot handled: the primary key is what makes a slot run once, whatever restarts
-- or clock changes happen; it is written in the same transaction that queues the digest.
CREATE TABLE schedule_runs (
    schedule_id    INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    slot_key       TEXT NOT NULL,               -- local 'YYYY-MM-DDTHH:MM' in the chat's zone
    slot_at        TEXT NOT NULL,               -- UTC
    outcome        TEXT NOT NULL CHECK (outcome IN ('queued', 'empty', 'skipped')),
    covered_until  TEXT NOT NULL,               -- the next digest starts with stories after this
    stories        INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (schedule_id, slot_key)
);
CREATE INDEX schedule_runs_at ON schedule_runs (schedule_id, slot_at);
"""


async def _to_v4_schedules(db: aiosqlite.Connection) -> None:
    await _run_script(db, _SCHEDULES)


async def _feed_warnings(db: aiosqlite.Connection) -> None:
    # A poll that read a feed only partly (damaged XML, every new entry unreadable) says so.
    await db.execute("ALTER TABLE feeds ADD COLUMN last_warning TEXT")


async def _add_story_summaries(db: aiosqlite.Connection) -> None:
    # LLM answers cached per story and language (outcome 'ok', or why it was discarded), so a
    # story seen again never costs a second call; and the LLM's daily usage and fallbacks.
    await _run_script(db, """
    CREATE TABLE story_summaries (
        article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        language    TEXT NOT NULL,
        summary     TEXT NOT NULL DEFAULT '',
        outcome     TEXT NOT NULL,
        model       TEXT NOT NULL DEFAULT '',
        created_at  TEXT NOT NULL,
        PRIMARY KEY (article_id, language)
    );
    CREATE TABLE llm_usage (
        day    TEXT NOT NULL,
        name   TEXT NOT NULL,
        count  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, name)
    );
    """)


_STORIES = """
-- Same-story detection (bot.news.stories): one profile per source text of a story, the rare
-- stems that key each profile, and how many profiles hold each stem (for IDF).
CREATE TABLE story_profiles (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    profile     TEXT NOT NULL,             -- JSON, bot.news.stories.profile_to_json
    vectors     TEXT NOT NULL,             -- JSON, bot.news.stories.vectors_to_json
    seen_at     TEXT NOT NULL
);
CREATE INDEX story_profiles_article ON story_profiles (article_id);
CREATE INDEX story_profiles_seen ON story_profiles (seen_at);
CREATE TABLE story_keys (
    term        TEXT NOT NULL,
    profile_id  INTEGER NOT NULL REFERENCES story_profiles (id) ON DELETE CASCADE,
    PRIMARY KEY (term, profile_id)
) WITHOUT ROWID;
CREATE TABLE term_df (
    term  TEXT PRIMARY KEY,               -- '' counts the profiles themselves
    df    INTEGER NOT NULL
) WITHOUT ROWID;
-- Edits of sent posts (another source joined, the article was corrected): an outbox of its
-- own, at most one pending edit per post; 'done' rows count the corrections per post.
CREATE TABLE post_edits (
    id               INTEGER PRIMARY KEY,
    delivery_id      INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    reason           TEXT NOT NULL CHECK (reason IN ('sources', 'correction')),
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sending', 'done', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    done_at          TEXT
);
CREATE UNIQUE INDEX post_edits_open ON post_edits (delivery_id) WHERE state IN ('pending', 'sending');
CREATE INDEX post_edits_due ON post_edits (state, next_attempt_at);
-- What a feed entry looked like when last processed, to notice a corrected article.
ALTER TABLE article_sources ADD COLUMN entry_hash TEXT;
"""


async def _stories(db: aiosqlite.Connection) -> None:
    await _run_script(db, _STORIES)


async def _replica_leases(db: aiosqlite.Connection) -> None:
    # Replicas sharing one database (issue 14): each claim of an outbox row, an edit or a feed
    # poll names its owner and holds until a lease ends, renewed while the owner lives, so a
    # replica's recovery resets only rows whose owner is gone; and the live replicas themselves.
    await _run_script(db, """
    ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
    ALTER TABLE deliveries ADD COLUMN lease_until TEXT;
    ALTER TABLE post_edits ADD COLUMN claimed_by TEXT;
    ALTER TABLE post_edits ADD COLUMN lease_until TEXT;
    ALTER TABLE feeds ADD COLUMN poll_claimed_by TEXT;
    CREATE TABLE replicas (
        id          TEXT PRIMARY KEY,
        role        TEXT NOT NULL,
        webhook     INTEGER NOT NULL DEFAULT 0,
        started_at  TEXT NOT NULL,
        seen_at     TEXT NOT NULL
    );
    """)


async def _job_runs(db: aiosqlite.Connection) -> None:
    # Once-per-period jobs (the digest tick) across replicas: one row per job and period; the
    # replica whose row went in runs the job for that period (storage/jobruns.py).
    await _run_script(db, """
    CREATE TABLE job_runs (
        job         TEXT NOT NULL,
        period      TEXT NOT NULL,
        owner       TEXT NOT NULL,
        claimed_at  TEXT NOT NULL,
        PRIMARY KEY (job, period)
    );
    """)


async def _flood_budget(db: aiosqlite.Connection) -> None:
    # One flood-limit budget per bot token across replicas (storage/flood.py): the moment, in
    # microseconds since the epoch, from which the next message may be sent.
    await db.execute("CREATE TABLE flood_budget (name TEXT PRIMARY KEY, next_at BIGINT NOT NULL)")


async def _flood_sends(db: aiosqlite.Connection) -> None:
    # The messages of one bot token that may still count at Telegram's end, whichever replica
    # sent them (storage/flood.py): each from its send until a period after its answer
    # (ended_at NULL while in flight), per chat too; microseconds since the epoch.
    await _run_script(db, """
        CREATE TABLE flood_sends (
            id         INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            chat_key   TEXT NOT NULL,
            started_at BIGINT NOT NULL,
            ended_at   BIGINT
        );
        CREATE INDEX flood_sends_recent ON flood_sends (name, started_at);
        CREATE INDEX flood_sends_chat ON flood_sends (name, chat_key, started_at);
    """)


async def _article_sources_by_feed(db: aiosqlite.Connection) -> None:
    # A new follower's backlog (a feed's newest stories) looks up sources by feed; the
    # (feed_id, guid) index is partial (guid IS NOT NULL) and cannot serve it: a full scan.
    await db.execute("CREATE INDEX IF NOT EXISTS article_sources_feed ON article_sources (feed_id)")


async def _story_keys_seen(db: aiosqlite.Connection) -> None:
    """The time a profile was seen, beside each of its keys: the same-story check filters the
    window while reading the keys, instead of reading each profile row (whose large JSON
    columns come first) to learn its time."""
    await _run_script(db, """
ALTER TABLE story_keys ADD COLUMN seen_at TEXT;
UPDATE story_keys SET seen_at = (SELECT p.seen_at FROM story_profiles p WHERE p.id = story_keys.profile_id);
""")


async def _reply_target(db: aiosqlite.Connection) -> None:
    # A reply queued after a 429 answers the command it was for (a quote in a group), as the
    # reply Telegram refused would have: the command's message id, kept with the row.
    await db.execute("ALTER TABLE deliveries ADD COLUMN reply_to INTEGER")


async def _stem_df(db: aiosqlite.Connection) -> None:
    """How many indexed stories hold each search token (``storage.stemdf``, kept by
    ``ArticleRepo``): related-story search reads a common stem's count there instead of walking
    its document list in FTS5. Filled from the index as it stands, a batch of tokens at a time."""
    await db.execute(stemdf.TABLE)
    await stemdf.backfill_sqlite(db)


async def _retention(db: aiosqlite.Connection) -> None:
    """Retention (``storage.retention``): the keys of feed entries whose stories were deleted,
    so that a feed still listing one never brings it back; and the indexes its deletes need
    (a story's outbox rows, a post's edits, a profile's keys were found by scanning the table,
    once per deleted row, as ON DELETE CASCADE looked them up; settled outbox rows of no story
    by age)."""
    await _run_script(db, """
CREATE TABLE forgotten_entries (key TEXT PRIMARY KEY, seen_at TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX forgotten_entries_seen ON forgotten_entries (seen_at);
CREATE INDEX deliveries_article_id ON deliveries (article_id) WHERE article_id IS NOT NULL;
CREATE INDEX deliveries_unlinked_created ON deliveries (created_at) WHERE article_id IS NULL;
CREATE INDEX post_edits_delivery ON post_edits (delivery_id);
CREATE INDEX story_keys_profile ON story_keys (profile_id);
""")


async def _term_df_changes(db: aiosqlite.Connection) -> None:
    """Each change of ``term_df`` recorded, so a copy of it held in memory (``storage.dfmemory``)
    follows other processes' writes exactly: the change the table is at, and the last changes."""
    await _run_script(db, """
CREATE TABLE term_df_version (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    seq    INTEGER NOT NULL,
    token  INTEGER NOT NULL
);
CREATE TABLE term_df_changes (
    seq     INTEGER PRIMARY KEY,
    token   INTEGER NOT NULL,
    deltas  TEXT                          -- JSON {term: change}; NULL: any count may have changed
);
""")


# MIGRATIONS[n] brings a database from version n to n + 1. Append; never edit.
MIGRATIONS: tuple[Migration, ...] = (
    _to_v1, _to_v2, _to_v3, _rich_posts, _to_v4_schedules, _feed_warnings, _add_story_summaries, _stories,
    _replica_leases, _job_runs, _flood_budget, _article_sources_by_feed, _story_keys_seen,
    _flood_sends, _reply_target, _stem_df, _retention, _term_df_changes,
)
LATEST = len(MIGRATIONS)


async def schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(db: aiosqlite.Connection, *, path: str = "") -> int:
    """Bring the database to ``LATEST``; return the version it had before.

    Each step runs in its own transaction together with its ``user_version`` bump, and the
    foreign keys are checked before it commits, so a failed step leaves the old version intact.
    Foreign keys are off while the steps run: SQLite's way to change a table is to rebuild it
    (create, copy, drop the old one, rename), and with them on, dropping a table that others
    reference deletes every referencing row (ON DELETE CASCADE) or fails. ``PRAGMA
    foreign_keys`` is a no-op inside a transaction, so it is switched outside, around the loop;
    ``foreign_key_check`` then proves each step left every reference whole.
    """
    current = await schema_version(db)
    if current > LATEST:
        raise SchemaTooNewError(
            f"the database {path or ''} has schema version {current}, but this newsbot knows "
            f"versions up to {LATEST}: upgrade newsbot, or point DATABASE_PATH at another file"
        )
    start = current
    if current == LATEST:
        return start
    async with db.execute("PRAGMA foreign_keys") as cursor:
        row = await cursor.fetchone()
    keys_were_on = bool(row and row[0])
    await db.execute("PRAGMA foreign_keys = OFF")
    try:
        before = await _broken_references(db)
        if before:
            log.warning("the database %s already has rows whose references point nowhere (%s); "
                        "migrating anyway, since no step may add to them", path, _describe(before))
        while current < LATEST:
            log.info("migrating database from schema version %d to %d", current, current + 1)
            await db.execute("BEGIN IMMEDIATE")
            try:
                await MIGRATIONS[current](db)
                after = await _broken_references(db)
                added = after - before
                if added:
                    raise StorageError(
                        f"migration to version {current + 1} broke foreign keys: {_describe(added)}")
                # PRAGMA takes no parameters; the value is an int we computed, never outside text.
                await db.execute(f"PRAGMA user_version = {current + 1:d}")
                await db.commit()
            except BaseException:
                await db.rollback()
                raise
            current += 1
    finally:
        if keys_were_on:
            await db.execute("PRAGMA foreign_keys = ON")
    return start


async def _broken_references(db: aiosqlite.Connection) -> Counter[tuple[str, str]]:
    """How many rows of each (table, referenced table) point nowhere. A database can hold such
    rows from before foreign keys were enforced, or from a hand edit; a migration is judged by
    the ones it adds, so that an old stray row does not stop every upgrade."""
    async with db.execute("PRAGMA foreign_key_check") as cursor:
        return Counter((str(row[0]), str(row[2])) for row in await cursor.fetchall())


def _describe(problems: Counter[tuple[str, str]]) -> str:
    return ", ".join(f"{n} in {table} -> {parent}" for (table, parent), n in sorted(problems.items())[:3])
