"""newsbot: a Telegram news bot (feeds in, summaries out)."""

from __future__ import annotations

__version__ = "0.1.0"
