"""Telegram in: the update handlers. Each module handles one area and exposes `handlers()`,
besides `context.py` (what every handler gets), `gate.py` (who may pass), `refusals.py` (the
rules' refusals, answered in one place), `errors.py` (the last resort), `showing.py` (sending
and redrawing an issue's card, details and timeline) and `numbers.py` (reading numbers people
type and what buttons carry)."""
