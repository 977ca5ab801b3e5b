"""Compare checkov's failed checks with the findings charts/README.md lists: a new one fails.

Usage: checkov_known.py REPORT.json README.md. The known findings are the rows of
the README's table between the markers ``<!-- checkov-known:begin -->`` and
``<!-- checkov-known:end -->`` whose first cell is a check id. Prints each failed
check with its count and resources, then a one-line summary; exits 1 when a
failed check is not listed.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path


def known_checks(readme: str) -> set[str]:
    block = readme.split("<!-- checkov-known:begin -->", 1)[-1].split(
        "<!-- checkov-known:end -->", 1
    )[0]
    return set(re.findall(r"^\|\s*`?(CKV2?_K8S_\d+)\b", block, re.M))


def main(report_path: str, readme_path: str) -> int:
    data = json.loads(Path(report_path).read_text())
    reports = data if isinstance(data, list) else [data]
    failed: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    passed = 0
    for report in reports:
        passed += report["summary"]["passed"]
        for check in report["results"]["failed_checks"]:
            failed[check["check_id"]].add(check["resource"])
            names[check["check_id"]] = check["check_name"]
    known = known_checks(Path(readme_path).read_text())
    new = sorted(set(failed) - known)
    for check_id, resources in sorted(failed.items()):
        mark = "known" if check_id in known else "NEW"
        print(f"  {mark:5} {check_id} x{len(resources)}: {names[check_id]}")
    total = sum(len(r) for r in failed.values())
    print(f"{passed} checks passed, {total} findings ({len(new)} not listed in charts/README.md)")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
