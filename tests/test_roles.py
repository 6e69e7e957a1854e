"""``newsbot run --role worker``: the jobs (publishing here) and no updates at all."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from storage import Database
from tests.conftest import ADMIN_ID, READER_ID, TOKEN
from tests.fakes.telegram_api import FakeTelegramServer

REPO = Path(__file__).resolve().parents[1]


async def _queue_broadcast(database_target: str, tg: FakeTelegramServer, chats: list[int]) -> None:
    now = datetime.now(UTC)
    db = await Database.connect(database_target)
    try:
        for chat_id in chats:
            tg.add_chat(chat_id, "private", f"Reader {chat_id}")
            await db.chats.upsert(chat_id, "private", title=f"Reader {chat_id}", now=now)
        await db.deliveries.enqueue_broadcast("Maintenance tonight", chats, created_by=ADMIN_ID, now=now)
    finally:
        await db.close()


async def test_a_worker_publishes_and_takes_no_updates(
    tg: FakeTelegramServer, tmp_path: Path, database_target: str, database_env: dict[str, str]
) -> None:
    chats = [80_000 + i for i in range(5)]
    await _queue_broadcast(database_target, tg, chats)
    tg.push_command(READER_ID, "/help")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), "BOT_TOKEN": TOKEN,
           "TELEGRAM_API_BASE_URL": tg.base_url, **database_env, "LOG_LEVEL": "WARNING"}
    script = shutil.which("newsbot", path=str(Path(sys.executable).parent))
    argv = [script, "run", "--role", "worker"] if script else [sys.executable, "-m", "bot.cli", "run", "--role", "worker"]
    proc = await asyncio.create_subprocess_exec(*argv, env=env, cwd=tmp_path, stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        await tg.wait_for("sendMessage", count=len(chats), predicate=lambda c: c.ok and c.chat_id in chats, timeout=60)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.stderr is not None
        stderr = (await asyncio.wait_for(proc.stderr.read(), 30)).decode(errors="replace")
        code = await asyncio.wait_for(proc.wait(), 30)
    assert code == 0, stderr[-3000:]
    for method in ("getUpdates", "setWebhook", "deleteWebhook"):
        assert not tg.calls_to(method), method
    assert not tg.sent_messages(READER_ID)  # the pending /help was nobody's to answer
    assert len(tg.pending_updates) == 1
