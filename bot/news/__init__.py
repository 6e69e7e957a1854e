"""The news core: fetch, parse, extract, clean, summarize, dedupe.

Nothing in this package knows about Telegram or the scheduler: it takes plain values and
returns plain values (see ``models``), so it can be tested, benchmarked and used by the CLI alone.
"""
