"""The bot's command list: one source for /help and Telegram's command menu."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand


@dataclass(frozen=True, slots=True)
class CommandInfo:
    name: str
    usage: str  # arguments, as shown in /help
    description: str
    admin: bool = False


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("start", "", "welcome and a short guide"),
    CommandInfo("help", "", "this list of commands"),
)


def menu_commands() -> list[BotCommand]:
    """Reader commands for Telegram's menu (admin commands stay out of everyone's menu)."""
    return [BotCommand(c.name, c.description) for c in COMMANDS if not c.admin]
