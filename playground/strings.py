"""The page's words, by the key the page asks for them (`/api/state` → `strings`), in each
language from the catalogs. `{name}` in a text is filled in by the page."""

from __future__ import annotations

from casework.organisation import LANGUAGES
from rendering.i18n import N_, texts

PAGE = {
    "playground_title": N_("Playground: try the bot and train on it, no Telegram needed"),
    "clock_label": N_("Bot's clock"),
    "clock_hour": N_("+1 hour"),
    "clock_day": N_("+1 day"),
    "clock_morning": N_("To 08:30"),
    "clock_deadline": N_("To the next deadline"),
    "clock_next": N_("Next deadline: {when}"),
    "clock_no_deadline": N_("No deadline ahead"),
    "reset": N_("Reset"),
    "reset_confirm": N_(
        "Start afresh? Every issue, chat and drill in the playground is deleted and the clock"
        " starts again on the next working morning (08:00)."
    ),
    "cancel": N_("Cancel"),
    "ok": N_("OK"),
    "lang_zh": N_("中文"),
    "lang_en": N_("English"),
    "person_language": N_("This person's Telegram language"),
    "drills_title": N_("Drills"),
    "drill_start": N_("Start"),
    "drill_restart": N_("Start again"),
    "drill_task": N_("Your task"),
    "drill_steps": N_("Steps"),
    "drill_finished": N_("Drill finished"),
    "drill_time": N_("Time taken: {minutes} min {seconds} s"),
    "drill_mistakes": N_("Mistakes"),
    "drill_no_mistakes": N_("No mistakes."),
    "drill_real_time": N_("Time taken: {minutes} min {seconds} s"),
    "drill_clock_time": N_("The bot's clock moved {hours} h {minutes} min"),
    "drill_mistakes_so_far": N_("Mistakes so far"),
    "drill_stuck_hint": N_("A step went wrong; press Start again to try afresh."),
    "contact_card": N_("Contact card"),
    "group_empty": N_("No messages in this group yet."),
    "start": N_("Start"),
    "send": N_("Send"),
    "attach": N_("Attach"),
    "commands": N_("Commands"),
    "keyboard": N_("Keyboard"),
    "message_placeholder": N_("Message"),
    "empty_chat": N_("No messages here yet. Press Start to open the chat with the bot."),
    "speaking_as": N_("typing as {name}"),
    "replying_to": N_("Replying to"),
    "edited": N_("edited"),
    "photo": N_("Photo"),
    "upload": N_("Upload a picture"),
    "download": N_("Download"),
    "location": N_("Location"),
    "contact": N_("Contact"),
    "map_title": N_("Share a location"),
    "map_hint": N_("Pick a point on the map or one of the places below."),
    "map_send": N_("Send this location"),
    "offline": N_("Connection to the playground lost; trying again…"),
    "failed": N_("That did not work."),
    "action_typing": N_("typing…"),
    "action_upload_document": N_("sending a file…"),
    "action_upload_photo": N_("sending a photo…"),
    "action_find_location": N_("choosing a location…"),
    "dashboard_open": N_("Open the dashboard"),
    "close": N_("Close"),
}


def page_strings() -> dict[str, dict[str, str]]:
    return {
        language: {key: str(texts(language)._(text)) for key, text in PAGE.items()}
        for language in LANGUAGES
    }
