"""Telegram in and out: each module handles one area and exposes `handlers()`."""
