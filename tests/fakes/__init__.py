"""Fake external services for tests: the Telegram Bot API (and, later, news sites)."""
