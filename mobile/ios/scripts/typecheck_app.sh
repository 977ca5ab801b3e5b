#!/usr/bin/env bash
# The Linux checks of the app's Swift files (App/), in the chroot that test.sh manages:
#  1. every file parses (`swiftc -parse`: syntax only; SwiftUI does not exist on Linux);
#  2. what the views use of PocdexKit type-checks against the real package: the app's files
#     without UI code (App/Pocdex/AppEnvironment.swift, DojoWiring.swift) and scripts/typecheck/ViewModelContract.swift,
#     which spells out every view model member, label, optionality, async-ness and actor
#     isolation the views rely on, built with `swiftc -typecheck` (Swift 6 language mode)
#     against PocdexKit's module.
# Neither compiles the SwiftUI views themselves: that needs Xcode (see README.md).
#   mobile/ios/scripts/typecheck_app.sh
set -euo pipefail
IOS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# 0. the contract covers every view model member the views use (plain Python, on the host)
python3 "$IOS_DIR/scripts/typecheck/contract_coverage.py"
# test.sh takes /tmp/pocdex-swift.lock, mounts the chroot and runs the command in PocdexKit/.
exec "$IOS_DIR/test.sh" --shell '
set -e
files=$(find ../App -name "*.swift" | sort)
swiftc -parse $files
echo "parsed $(echo "$files" | wc -l) Swift files of the app: no syntax error"
swift build --target PocdexKit >/dev/null
modules=$(swift build --show-bin-path)/Modules
swiftc -typecheck -swift-version 6 -I "$modules" \
  ../App/Pocdex/AppEnvironment.swift ../App/Pocdex/DojoWiring.swift ../scripts/typecheck/LinuxShims.swift ../scripts/typecheck/ViewModelContract.swift
echo "type-checked the views'"'"' use of PocdexKit (ViewModelContract.swift, AppEnvironment.swift, DojoWiring.swift) against the package"
'
