"""Compare checkov's failed checks with the known ones (checkov-known.txt): a new finding fails.

Usage: checkov_summary.py REPORT.json KNOWN.txt. Prints each failed check with
its count, then a one-line summary; exits 1 when a failed check is not known.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def main(report_path: str, known_path: str) -> int:
    data = json.loads(Path(report_path).read_text())
    reports = data if isinstance(data, list) else [data]
    failed: Counter[str] = Counter()
    names: dict[str, str] = {}
    passed = 0
    for report in reports:
        passed += report["summary"]["passed"]
        for check in report["results"]["failed_checks"]:
            failed[check["check_id"]] += 1
            names[check["check_id"]] = check["check_name"]
    known = {
        line.split()[0]
        for line in Path(known_path).read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    new = sorted(set(failed) - known)
    for check_id, count in sorted(failed.items()):
        mark = "known" if check_id in known else "NEW"
        print(f"  {mark:5} {check_id} x{count}: {names[check_id]}")
    print(f"{passed} passed, {sum(failed.values())} failed ({len(new)} not in checkov-known.txt)")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
