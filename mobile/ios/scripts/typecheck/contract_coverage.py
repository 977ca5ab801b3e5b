#!/usr/bin/env python3
"""Every view model member the views use must appear in ViewModelContract.swift.

The views hold their view models in a few names (`model`, `list`, `search`, `app`, `push`,
`profile`); each `name.member` found in App/ must also be spelled `.member` in the contract,
or the contract no longer covers what the views rely on. Exits 1 with the list otherwise.
"""

import re
import sys
from pathlib import Path

IOS = Path(__file__).resolve().parents[2]
HOLDERS = ("model", "list", "search", "app", "push", "profile")
USE = re.compile(r"\b(?:" + "|".join(HOLDERS) + r")\.(?:services\.)?(\w+)")


def main() -> int:
    contract = (IOS / "scripts" / "typecheck" / "ViewModelContract.swift").read_text(encoding="utf-8")
    missing: dict[str, list[str]] = {}
    for path in sorted((IOS / "App").rglob("*.swift")):
        if "PocdexUITests" in path.parts:
            continue  # XCUIApplication's `app`, not the app's view model
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for member in USE.findall(line.split("//")[0]):
                if not re.search(r"\." + re.escape(member) + r"\b", contract):
                    missing.setdefault(member, []).append(f"{path.relative_to(IOS)}:{number}")
    if missing:
        print("ViewModelContract.swift does not cover what the views use:")
        for member, places in sorted(missing.items()):
            print(f"  .{member}  ({', '.join(places[:3])})")
        return 1
    print("ViewModelContract.swift covers every view model member the views use")
    return 0


if __name__ == "__main__":
    sys.exit(main())
