#!/usr/bin/env bash
# Parses every Swift file of the app (App/: the @main app, the SwiftUI views, the UI tests) with
# the Linux chroot's swiftc (`swiftc -parse`). This finds syntax errors only: SwiftUI, UIKit and
# XCTest do not exist on Linux, so nothing here is type-checked (that needs Xcode: see README.md).
#   mobile/ios/scripts/parse_app.sh
set -euo pipefail
IOS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# test.sh takes /tmp/pocdex-swift.lock, mounts the chroot and runs the command in PocdexKit/.
exec "$IOS_DIR/test.sh" --shell \
  'files=$(find ../App -name "*.swift" | sort); swiftc -parse $files && echo "parsed $(echo "$files" | wc -l) Swift files of the app: no syntax error"'
