#!/usr/bin/env python3
"""Draws the app icon (the Pocdex flask, the same mark as the Android launcher icon)
into App/Pocdex/Assets.xcassets/AppIcon.appiconset at 1024 x 1024: light, dark and
tinted. Run it after changing the mark; the PNGs are committed.

    var/venv/bin/python mobile/ios/scripts/make_app_icon.py
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 1024
VIEWPORT = 108  # the Android adaptive icon's canvas, in which the mark is drawn
SCALE = SIZE / VIEWPORT
# Android keeps the mark inside its adaptive-icon safe zone; an iOS icon is never masked
# to a circle, so the mark grows around the canvas centre.
ZOOM = 1.35
CENTRE = (54.0, 53.5)
SET = Path(__file__).resolve().parents[1] / "App/Pocdex/Assets.xcassets/AppIcon.appiconset"

# The flask's outline and its liquid, as polygons in the 108 x 108 viewport.
FLASK = [(44, 28), (64, 28), (64, 33), (60, 33), (60, 47.5), (74.6, 72.2), (75.3, 76.5),
         (70.6, 79), (37.4, 79), (32.7, 76.5), (33.4, 72.2), (48, 47.5), (48, 33), (44, 33)]
LIQUID = [(40.9, 64), (67.1, 64), (71.9, 72.1), (70.2, 75), (37.8, 75), (36.1, 72.1)]
BUBBLES = [((50, 56), 2.5), ((57, 60), 1.8)]

VARIANTS = {
    # file name: (background, flask, liquid, bubbles)
    "AppIcon.png": ("#4A52D6", "#FFFFFF", "#9EF2E4", "#4A52D6"),
    "AppIcon-dark.png": ("#1B1C2E", "#C5C8FF", "#4FD8C4", "#1B1C2E"),
    "AppIcon-tinted.png": ("#000000", "#FFFFFF", "#9A9A9A", "#000000"),
}


def at(x: float, y: float) -> tuple[float, float]:
    cx, cy = CENTRE
    return ((cx + (x - cx) * ZOOM) * SCALE, (cy + (y - cy) * ZOOM) * SCALE)


def scaled(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [at(x, y) for x, y in points]


def draw(background: str, flask: str, liquid: str, bubbles: str) -> Image.Image:
    image = Image.new("RGB", (SIZE, SIZE), background)
    pen = ImageDraw.Draw(image)
    pen.polygon(scaled(FLASK), fill=flask)
    pen.polygon(scaled(LIQUID), fill=liquid)
    for (x, y), r in BUBBLES:
        (px, py), radius = at(x, y), r * ZOOM * SCALE
        pen.ellipse([px - radius, py - radius, px + radius, py + radius], fill=bubbles)
    return image


def main() -> None:
    contents = json.loads((SET / "Contents.json").read_text())
    names = iter(VARIANTS)
    for entry in contents["images"]:
        entry["filename"] = next(names)
    for name, colors in VARIANTS.items():
        draw(*colors).save(SET / name, optimize=True)
    (SET / "Contents.json").write_text(json.dumps(contents, indent=2) + "\n")


if __name__ == "__main__":
    main()
