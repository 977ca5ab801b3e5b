import Foundation
import Testing
@testable import PocdexKit

@Suite struct PackageTests {
    @Test func versionIsSemantic() {
        let parts = PocdexKit.version.split(separator: ".")
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { Int($0) != nil })
    }
}
