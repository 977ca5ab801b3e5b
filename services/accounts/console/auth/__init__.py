"""Logging in and out of the owner console, and its language switch."""
