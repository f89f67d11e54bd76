"""The dashboard page's words, by the key the page asks for them, from the catalogs.

`/dashboard/api/me` hands the page `page_strings(language)`: every key below in the person's
language. `{name}` in a text is filled in by the page. The rates keep the names `/stats` and its
charts give them (the same msgids), so the page and the bot never call one figure two things.

The few words the page shows before it knows who opened it (a missing or refused signature, no
connection) cannot come from `/me`: they are in `static/signin.json`, written from the catalogs
by `.venv/bin/python -m dashboard.strings` after the catalogs are compiled (a test says when it
is out of date)."""

from __future__ import annotations

import json
from pathlib import Path

from casework.organisation import LANGUAGES
from rendering.i18n import N_, texts

# What the page can say before `/me` answers, in both languages.
SIGN_IN = {
    "unsigned": N_("Open the dashboard from the bot's menu button (📊) in Telegram."),
    "forbidden": N_("The dashboard is for coordinators and department heads only."),
    "offline": N_("Cannot reach the bot's server; trying again…"),
}

PAGE = {
    **SIGN_IN,
    "title": N_("Coordination dashboard"),
    "period": N_("Period"),
    "refresh": N_("Refresh"),
    "updated": N_("Updated {time}"),
    "loading": N_("Loading…"),
    "failed": N_("Could not load this; it is tried again at the next refresh."),
    "no_data": N_("no data"),
    # The ranking
    "ranking_title": N_("Departments ranked"),
    "ranking_head_title": N_("Your department and the district"),
    "ranking_chart": N_("Score out of 100"),
    "rank": N_("Rank"),
    "department": N_("Department"),
    "score": N_("Score"),
    "district": N_("Whole district"),
    "contact_rate": N_("Contact rate"),
    "solved_rate": N_("Solved rate"),
    "satisfaction_rate": N_("Satisfaction rate"),
    "on_time_acceptance_rate": N_("On-time acceptance rate"),
    "on_time_resolution_rate": N_("On-time resolution rate"),
    "closing_rate": N_("Closing rate"),
    "reopen_rate": N_("Reopen rate"),
    "return_rate": N_("Return rate"),
    "received": N_("Received"),
    "open": N_("Open"),
    "overdue": N_("Overdue"),
    "repeat_calls": N_("Repeat calls"),
    "duplicates": N_("Duplicates"),
    # The trend
    "trend_title": N_("Week by week"),
    "trend_rate": N_("Rate"),
    "trend_department": N_("Department"),
    "trend_district_only": N_("Whole district only"),
    # The overdue issues and one issue
    "overdue_title": N_("Overdue issues"),
    "overdue_none": N_("Nothing is overdue."),
    "overdue_total": N_("{shown} of {total}, most overdue first"),
    "urgent": N_("Urgent"),
    "number": N_("Number"),
    "category": N_("Category"),
    "status": N_("Status"),
    "due": N_("Due"),
    "issue_title": N_("Issue {number}"),
    "timeline": N_("Timeline"),
    "close": N_("Close"),
    "not_found": N_("This issue is not yours to see, or no longer exists."),
    # The map
    "map_title": N_("Open issues on the map"),
    "map_colour_by": N_("Colour by"),
    "map_by_status": N_("Status"),
    "map_by_category": N_("Category"),
    "map_all": N_("All"),
    "map_only_overdue": N_("Overdue only"),
    "map_shown": N_("{shown} of {total} open issues with a place"),
    "map_no_tiles": N_("No map tiles are set up: the points on a plain background."),
    "map_none": N_("No open issue has a place."),
    # The workload
    "workload_title": N_("Workload"),
    "person": N_("Person"),
    "in_hand": N_("In hand"),
    "closed_in_period": N_("Closed in the period"),
}


def page_strings(language: str) -> dict[str, str]:
    """Every word of the page in `language` (one of `LANGUAGES`)."""
    t = texts(language)
    return {key: str(t._(text)) for key, text in PAGE.items()}


def signin_words() -> dict[str, dict[str, str]]:
    """What `static/signin.json` holds: the words the page needs before `/me`, by language."""
    return {
        language: {key: str(texts(language)._(text)) for key, text in SIGN_IN.items()}
        for language in LANGUAGES
    }


SIGNIN_JSON = Path(__file__).resolve().parent / "static" / "signin.json"


def signin_json() -> str:
    return json.dumps(signin_words(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    SIGNIN_JSON.write_text(signin_json(), encoding="utf-8")
