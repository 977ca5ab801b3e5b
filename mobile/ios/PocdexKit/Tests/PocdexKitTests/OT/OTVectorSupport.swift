import Foundation
import Testing
@testable import PocdexKit

/// The OT vectors of `shared/protocol/ot/`, read from the repository at run time
/// (never copied): the folder is found from this source file's path.
enum OTVectors {
    static let knownFormat = "pocdex-ot-vectors"
    static let knownVersion: Int64 = 1

    static var directory: URL { RepositoryPaths.root.appendingPathComponent("shared/protocol/ot", isDirectory: true) }

    struct EnvelopeError: Error, CustomStringConvertible {
        let description: String
    }

    /// The cases of one file, after checking its envelope (format, version, kind).
    static func cases(fromText text: String, kind: String) throws -> [WireJSON] {
        let root = try WireJSON.parse(text)
        guard root["format"]?.stringValue == knownFormat else {
            throw EnvelopeError(description: "unknown format \(String(describing: root["format"]))")
        }
        guard root["version"]?.exactInteger == knownVersion else {
            throw EnvelopeError(description: "unknown version \(String(describing: root["version"]))")
        }
        guard root["kind"]?.stringValue == kind else {
            throw EnvelopeError(description: "expected kind \(kind), found \(String(describing: root["kind"]))")
        }
        guard let cases = root["cases"]?.arrayValue, !cases.isEmpty else {
            throw EnvelopeError(description: "no cases")
        }
        return cases
    }

    /// Every case of `<kind>.json`, one test argument each, named after the case.
    /// A file that cannot be read yields one failing case that says why.
    static func load(_ kind: String) -> [VectorCase] {
        let url = directory.appendingPathComponent("\(kind).json")
        do {
            let text = try String(contentsOf: url, encoding: .utf8)
            let cases = try cases(fromText: text, kind: kind)
            var seen = Set<String>()
            return cases.enumerated().map { index, value in
                let name = value["name"]?.stringValue ?? "case \(index)"
                let unique = seen.insert(name).inserted
                return VectorCase(file: kind, name: name, value: value, loadError: unique ? nil : "duplicate case name")
            }
        } catch {
            return [VectorCase(file: kind, name: "<file>", value: .null, loadError: "\(url.path): \(error)")]
        }
    }
}

struct VectorCase: Sendable, CustomTestStringConvertible {
    let file: String
    let name: String
    let value: WireJSON
    let loadError: String?

    var testDescription: String { "\(file): \(name)" }

    subscript(key: String) -> WireJSON? { value[key] }

    func string(_ key: String) throws -> String {
        try #require(value[key]?.stringValue, "\(key) is not a string")
    }

    func operation(_ key: String) throws -> TextOperation {
        try TextOperation(wire: try #require(value[key], "no \(key)"))
    }

    func int(_ key: String) throws -> Int {
        Int(try #require(value[key]?.exactInteger, "\(key) is not an integer"))
    }
}

/// Documents compare code point by code point, never with `String ==`.
func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }
