"""The tenant-owner console: server-rendered pages on ``<slug>.<domain>``."""
