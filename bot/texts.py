"""What the bot says to readers, in English, Ukrainian and Russian.

``t(lang, key, **values)`` picks the chat's language (falling back to English) and fills in
``values``; callers pass values already escaped for Telegram HTML. Admin replies stay in
English: admins are few and read the logs too.
"""

from __future__ import annotations

LANGUAGES = ("en", "uk", "ru")

_TEXTS: dict[str, dict[str, str]] = {
    "welcome": {
        "en": "Hello, {name}! I collect news from news sites, summarize each story in a few sentences "
              "and post the summaries here.",
        "uk": "Вітаю, {name}! Я збираю новини з новинних сайтів, стисло переказую кожну історію "
              "кількома реченнями й надсилаю сюди.",
        "ru": "Здравствуйте, {name}! Я собираю новости с новостных сайтов, кратко пересказываю каждую "
              "историю в нескольких предложениях и присылаю сюда.",
    },
    "there": {"en": "there", "uk": "друже", "ru": "друг"},
    "commands": {"en": "Commands", "uk": "Команди", "ru": "Команды"},
    "unknown_command": {
        "en": "I don't know that command. Send /help to see what I can do.",
        "uk": "Я не знаю такої команди. Надішліть /help, щоб побачити, що я вмію.",
        "ru": "Я не знаю такой команды. Отправьте /help, чтобы увидеть, что я умею.",
    },
    "no_feeds_yet": {
        "en": "There are no feeds yet. An admin adds them with /addfeed.",
        "uk": "Стрічок ще немає. Адміністратор додає їх командою /addfeed.",
        "ru": "Лент пока нет. Администратор добавляет их командой /addfeed.",
    },
    "pick_feed": {
        "en": "Pick a feed, or send /subscribe with its number:",
        "uk": "Оберіть стрічку або надішліть /subscribe з її номером:",
        "ru": "Выберите ленту или отправьте /subscribe с её номером:",
    },
    "no_feed_matches": {
        "en": "No feed matches “{ref}”. Send /subscribe to pick from the list.",
        "uk": "Жодна стрічка не відповідає «{ref}». Надішліть /subscribe, щоб обрати зі списку.",
        "ru": "Ни одна лента не подходит под «{ref}». Отправьте /subscribe, чтобы выбрать из списка.",
    },
    "feed_gone": {
        "en": "That feed no longer exists. Send /subscribe to see the current list.",
        "uk": "Цієї стрічки вже немає. Надішліть /subscribe, щоб побачити актуальний список.",
        "ru": "Этой ленты больше нет. Отправьте /subscribe, чтобы увидеть актуальный список.",
    },
    "subscribed": {
        "en": "Subscribed to {name}. New stories will arrive here.",
        "uk": "Ви підписалися на {name}. Нові історії надходитимуть сюди.",
        "ru": "Вы подписались на {name}. Новые истории будут приходить сюда.",
    },
    "already_subscribed": {
        "en": "You already follow {name}.",
        "uk": "Ви вже стежите за {name}.",
        "ru": "Вы уже следите за {name}.",
    },
    "follow_nothing": {
        "en": "You follow no feeds yet. Send /subscribe to pick some.",
        "uk": "Ви ще не стежите за жодною стрічкою. Надішліть /subscribe, щоб обрати.",
        "ru": "Вы пока не следите ни за одной лентой. Отправьте /subscribe, чтобы выбрать.",
    },
    "which_unsubscribe": {
        "en": "Which feed should I stop sending?",
        "uk": "Яку стрічку більше не надсилати?",
        "ru": "Какую ленту больше не присылать?",
    },
    "not_following": {
        "en": "You follow no feed matching “{ref}”. Send /list to see yours.",
        "uk": "Ви не стежите за стрічкою «{ref}». Надішліть /list, щоб побачити свої.",
        "ru": "Вы не следите за лентой «{ref}». Отправьте /list, чтобы увидеть свои.",
    },
    "unsubscribed": {
        "en": "Unsubscribed from {name}.",
        "uk": "Ви відписалися від {name}.",
        "ru": "Вы отписались от {name}.",
    },
    "you_follow": {"en": "You follow", "uk": "Ви стежите за", "ru": "Вы следите за"},
    "only": {"en": "only", "uk": "лише", "ru": "только"},
    "without": {"en": "without", "uk": "без", "ru": "без"},
    "latest_usage": {
        "en": "Send /latest or /latest 10 (a number of stories, up to 20).",
        "uk": "Надішліть /latest або /latest 10 (кількість історій, до 20).",
        "ru": "Отправьте /latest или /latest 10 (число историй, до 20).",
    },
    "no_stories_yet": {
        "en": "No stories from your feeds yet. They arrive as the feeds publish.",
        "uk": "Історій із ваших стрічок ще немає. Вони з'являться, щойно стрічки їх опублікують.",
        "ru": "Историй из ваших лент пока нет. Они появятся, как только ленты их опубликуют.",
    },
    "latest": {"en": "Latest stories", "uk": "Найновіші історії", "ru": "Последние истории"},
    "related_usage": {
        "en": "Send /related with a few words, e.g. /related election results, or reply /related to one of my posts.",
        "uk": "Надішліть /related з кількома словами, наприклад /related результати виборів, "
              "або відповідайте /related на мій допис.",
        "ru": "Отправьте /related с несколькими словами, например /related итоги выборов, "
              "или ответьте /related на мой пост.",
    },
    "related": {"en": "Related stories", "uk": "Схожі історії", "ru": "Похожие истории"},
    "related_to": {"en": "Related to “{title}”", "uk": "Схоже на «{title}»", "ru": "Похоже на «{title}»"},
    "nothing_related": {
        "en": "I found no stored stories about that. Try fewer or broader words.",
        "uk": "Я не знайшов збережених історій про це. Спробуйте менше або ширші слова.",
        "ru": "Я не нашёл сохранённых историй об этом. Попробуйте меньше слов или более общие.",
    },
    "story_gone": {
        "en": "I no longer have that story. Try /related with a few words.",
        "uk": "Цієї історії в мене вже немає. Спробуйте /related з кількома словами.",
        "ru": "Этой истории у меня уже нет. Попробуйте /related с несколькими словами.",
    },
    "no_stories_today": {
        "en": "No stories in the last 24 hours yet.",
        "uk": "За останні 24 години історій ще немає.",
        "ru": "За последние 24 часа историй пока нет.",
    },
    "top_today": {"en": "Top stories of the day", "uk": "Головне за день", "ru": "Главное за день"},
    "digest_for": {"en": "Your digest for {day}", "uk": "Ваш дайджест за {day}", "ru": "Ваш дайджест за {day}"},
    # Channel digests (bot.delivery.digests): the title line carries the period, in local time.
    "channel_digest": {"en": "News digest · {period}", "uk": "Дайджест новин · {period}",
                       "ru": "Дайджест новостей · {period}"},
    "overflow_digest": {"en": "More news · {period}", "uk": "Більше новин · {period}",
                        "ru": "Больше новостей · {period}"},
    "digest_more": {"en": "…and {count} more stories", "uk": "…і ще історій: {count}",
                    "ru": "…и ещё историй: {count}"},
    "digest_empty": {"en": "No new stories", "uk": "Нових історій немає", "ru": "Новых историй нет"},
    "stop_confirm": {
        "en": "Stop all news here and delete this chat's subscriptions and settings?",
        "uk": "Припинити всі новини тут і видалити підписки та налаштування цього чату?",
        "ru": "Прекратить все новости здесь и удалить подписки и настройки этого чата?",
    },
    "stop_yes": {"en": "Yes, delete everything", "uk": "Так, видалити все", "ru": "Да, удалить всё"},
    "stop_no": {"en": "No, keep it", "uk": "Ні, залишити", "ru": "Нет, оставить"},
    "stopped": {
        "en": "Done: I deleted this chat's data and will send nothing more. Send /start to come back.",
        "uk": "Готово: я видалив дані цього чату й більше нічого не надсилатиму. Надішліть /start, щоб повернутися.",
        "ru": "Готово: я удалил данные этого чата и больше ничего не пришлю. Отправьте /start, чтобы вернуться.",
    },
    "nothing_changed": {"en": "Nothing changed.", "uk": "Нічого не змінено.", "ru": "Ничего не изменилось."},
    "group_admins_only": {
        "en": "Only this group's admins can change its subscriptions and settings.",
        "uk": "Змінювати підписки й налаштування цієї групи можуть лише її адміністратори.",
        "ru": "Менять подписки и настройки этой группы могут только её администраторы.",
    },
    "read_also": {"en": "Read also:", "uk": "Читайте також:", "ru": "Читайте также:"},
    "also_sources": {"en": "Also:", "uk": "Також:", "ru": "Также:"},
    "also_more": {"en": "and {count} more", "uk": "та ще {count}", "ru": "и ещё {count}"},
    "read_more": {"en": "Read more", "uk": "Читати далі", "ru": "Читать далее"},
    "related_button": {"en": "Related", "uk": "Схожі", "ru": "Похожие"},
    "read_in_telegram": {"en": "Read in Telegram", "uk": "Читати в Telegram", "ru": "Читать в Telegram"},
    "original_on": {"en": "Original on {source}", "uk": "Оригінал на {source}", "ru": "Оригинал на {source}"},
    "continue_on": {"en": "Continue on {source}", "uk": "Читати далі на {source}", "ru": "Читать дальше на {source}"},
    "settings_media": {
        "en": "Pictures: {images} — /settings images on|off\n"
              "Whole articles in Telegram: {article} — /settings article off|button|post",
        "uk": "Зображення: {images} — /settings images on|off\n"
              "Повні статті в Telegram: {article} — /settings article off|button|post",
        "ru": "Изображения: {images} — /settings images on|off\n"
              "Полные статьи в Telegram: {article} — /settings article off|button|post",
    },
    "settings": {
        "en": "<b>Settings</b>\nTime zone: {zone} — /settings tz Europe/Kyiv\n"
              "Daily digest: {digest} — /settings digest 08:00 (or off)\n"
              "Summaries: {summaries} — /settings summaries on|off\n"
              "Link previews: {previews} — /settings previews on|off\n"
              "Language: {language} — /settings lang en|uk|ru",
        "uk": "<b>Налаштування</b>\nЧасовий пояс: {zone} — /settings tz Europe/Kyiv\n"
              "Щоденний дайджест: {digest} — /settings digest 08:00 (або off)\n"
              "Стислі перекази: {summaries} — /settings summaries on|off\n"
              "Попередній перегляд посилань: {previews} — /settings previews on|off\n"
              "Мова: {language} — /settings lang en|uk|ru",
        "ru": "<b>Настройки</b>\nЧасовой пояс: {zone} — /settings tz Europe/Kyiv\n"
              "Ежедневный дайджест: {digest} — /settings digest 08:00 (или off)\n"
              "Краткие пересказы: {summaries} — /settings summaries on|off\n"
              "Предпросмотр ссылок: {previews} — /settings previews on|off\n"
              "Язык: {language} — /settings lang en|uk|ru",
    },
    "on": {"en": "on", "uk": "увімк.", "ru": "вкл."},
    "off": {"en": "off", "uk": "вимк.", "ru": "выкл."},
    "default": {"en": "default", "uk": "типово", "ru": "по умолчанию"},
    "bad_zone": {
        "en": "I don't know the time zone “{value}”. Use a name like Europe/Kyiv or America/New_York.",
        "uk": "Я не знаю часового поясу «{value}». Вкажіть назву на кшталт Europe/Kyiv або America/New_York.",
        "ru": "Я не знаю часового пояса «{value}». Укажите название вроде Europe/Kyiv или America/New_York.",
    },
    "bad_digest": {
        "en": "Send the digest time as HH:MM in your time zone, e.g. /settings digest 08:00, or off.",
        "uk": "Надішліть час дайджесту як ГГ:ХХ у вашому часовому поясі, напр. /settings digest 08:00, або off.",
        "ru": "Отправьте время дайджеста как ЧЧ:ММ в вашем часовом поясе, напр. /settings digest 08:00, или off.",
    },
    "bad_setting": {
        "en": "I know these settings: tz, digest, summaries, previews, images, article, lang. Send /settings to see them.",
        "uk": "Я знаю такі налаштування: tz, digest, summaries, previews, images, article, lang. Надішліть /settings, щоб їх побачити.",
        "ru": "Я знаю такие настройки: tz, digest, summaries, previews, images, article, lang. Отправьте /settings, чтобы их увидеть.",
    },
    "filter_usage": {
        "en": "Usage:\n/filter FEED include war, election — only stories with these words\n"
              "/filter FEED exclude sport — never stories with these words\n"
              "/filter FEED clear — everything again\nFEED is its number in /list.",
        "uk": "Як користуватися:\n/filter СТРІЧКА include війна, вибори — лише історії з цими словами\n"
              "/filter СТРІЧКА exclude спорт — ніколи історії з цими словами\n"
              "/filter СТРІЧКА clear — знову все\nСТРІЧКА — її номер у /list.",
        "ru": "Как пользоваться:\n/filter ЛЕНТА include война, выборы — только истории с этими словами\n"
              "/filter ЛЕНТА exclude спорт — никогда истории с этими словами\n"
              "/filter ЛЕНТА clear — снова всё\nЛЕНТА — её номер в /list.",
    },
    "filter_set": {"en": "Filter for {name}: {rule}.", "uk": "Фільтр для {name}: {rule}.",
                   "ru": "Фильтр для {name}: {rule}."},
    "filter_only": {"en": "only stories with {include}", "uk": "лише історії зі словами {include}",
                    "ru": "только истории со словами {include}"},
    "filter_except": {"en": "every story except those with {exclude}",
                      "uk": "усі історії, крім тих, де є {exclude}",
                      "ru": "все истории, кроме тех, где есть {exclude}"},
    "filter_both": {"en": "only stories with {include}, and none with {exclude}",
                    "uk": "лише історії зі словами {include}, і жодної з {exclude}",
                    "ru": "только истории со словами {include}, и ни одной с {exclude}"},
    "filter_none": {"en": "every story (no filter)", "uk": "усі історії (без фільтра)",
                    "ru": "все истории (без фильтра)"},
    "or": {"en": " or ", "uk": " або ", "ru": " или "},
    "backlog_one": {
        "en": "Its newest story is on its way.",
        "uk": "Її найновіша історія вже в дорозі.",
        "ru": "Её самая свежая история уже в пути.",
    },
    "backlog_many": {
        "en": "Its {count} newest stories are on their way.",
        "uk": "Її найновіші історії ({count}) вже в дорозі.",
        "ru": "Её самые свежие истории ({count}) уже в пути.",
    },
    "previous": {"en": "« Previous", "uk": "« Назад", "ru": "« Назад"},
    "next": {"en": "Next »", "uk": "Далі »", "ru": "Далее »"},
    "page": {"en": "Page {number} of {count}", "uk": "Сторінка {number} з {count}", "ru": "Страница {number} из {count}"},
    "plain_text_hint": {
        "en": "I answer commands. Try /related with a few words to find stories, /subscribe to follow a feed, "
              "or /help for everything I can do.",
        "uk": "Я відповідаю на команди. Спробуйте /related з кількома словами, щоб знайти історії, "
              "/subscribe, щоб стежити за стрічкою, або /help, щоб побачити все, що я вмію.",
        "ru": "Я отвечаю на команды. Попробуйте /related с несколькими словами, чтобы найти истории, "
              "/subscribe, чтобы следить за лентой, или /help, чтобы увидеть всё, что я умею.",
    },
    "error": {
        "en": "Sorry, something went wrong on my side. Please try again later.",
        "uk": "Вибачте, у мене щось пішло не так. Спробуйте, будь ласка, пізніше.",
        "ru": "Извините, у меня что-то пошло не так. Попробуйте, пожалуйста, позже.",
    },
}


def t(lang: str | None, key: str, **values: object) -> str:
    """The message ``key`` in ``lang`` (English if unknown), with ``values`` filled in."""
    variants = _TEXTS[key]
    return variants.get(lang or "en", variants["en"]).format(**values)


def pick_language(chosen: str | None, user_language_code: str | None) -> str:
    """The chat's chosen language, else the user's Telegram language if we speak it, else English."""
    if chosen in LANGUAGES:
        return chosen  # type: ignore[return-value]
    code = (user_language_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else "en"
