"""Telegram update handlers: each turns an Update into a call on the core or storage and a reply."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.handlers import admin, basic, errors, feedadmin, membership, reader

_COMMANDS = {
    "start": basic.start,
    "help": basic.help_command,
    "subscribe": reader.subscribe,
    "unsubscribe": reader.unsubscribe,
    "list": reader.list_subscriptions,
    "latest": reader.latest,
    "related": reader.related,
    "filter": reader.filter_command,
    "settings": reader.settings_command,
    "digest": reader.digest_now,
    "stop": reader.stop,
    "addfeed": feedadmin.add_feed,
    "removefeed": feedadmin.remove_feed,
    "feeds": feedadmin.list_feeds,
    "interval": feedadmin.feed_interval,
    "channels": admin.list_channels,
    "channel": admin.channel,
    "post": admin.post,
    "pause": admin.pause,
    "resume": admin.resume,
    "stats": admin.stats,
    "broadcast": admin.broadcast,
    "export": feedadmin.export_feeds,
    "import": feedadmin.import_feeds,
}


def register_handlers(application: Application) -> None:
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, membership.on_migrate))
    # PTB's CommandHandler also answers edited messages: an admin fixing a typo in /broadcast
    # would broadcast twice. Edits are not requested (ALLOWED_UPDATES) and not handled.
    not_edited = ~filters.UpdateType.EDITED
    for name, callback in _COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=not_edited))
    application.add_handler(
        MessageHandler(not_edited & filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?\b"),
                       feedadmin.import_feeds)
    )
    application.add_handler(CallbackQueryHandler(reader.on_button))
    application.add_handler(ChatMemberHandler(membership.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(
        MessageHandler(not_edited & filters.COMMAND & filters.ChatType.PRIVATE, basic.unknown_command))
    application.add_handler(
        MessageHandler(not_edited & filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, basic.plain_text))
    application.add_error_handler(errors.on_error)
