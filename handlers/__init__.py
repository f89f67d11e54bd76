"""Telegram in: the update handlers. Each module handles one area and exposes `handlers()`,
besides `context.py` (what every handler gets), `gate.py` (who may pass), `errors.py` (the last
resort), `showing.py` (sending an issue's card, details and timeline) and `numbers.py` (reading
numbers people type)."""
