"""Rendering engines of the media service: pure Python, no Django.

``data`` holds the input (POCs and dojos as other services describe them) and
the figures every output shows; ``video`` draws the year-in-review scenes with
Pillow and assembles them with ffmpeg; ``report_pdf`` and ``report_csv`` write
the reports. The Celery tasks call these with data fetched over internal REST.
"""
