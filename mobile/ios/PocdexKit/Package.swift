// swift-tools-version:6.0
// PocdexKit: the iOS app's models, API client, session, repositories, offline cache and view
// models (no SwiftUI). It builds and its tests run on Linux too (mobile/ios/test.sh).
import PackageDescription

let package = Package(
    name: "PocdexKit",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [
        .library(name: "PocdexKit", targets: ["PocdexKit"]),
    ],
    targets: [
        .target(
            name: "PocdexKit",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "PocdexKitTests",
            dependencies: ["PocdexKit"],
            swiftSettings: [.swiftLanguageMode(.v6)],
            linkerSettings: [
                // Linux only: libswiftObservation.so refers to a runtime symbol that the test bundle's
                // link cannot see (swift::threading::fatal); it resolves at load time.
                .unsafeFlags(["-Xlinker", "--allow-shlib-undefined"], .when(platforms: [.linux])),
            ]
        ),
    ]
)
