import Foundation
import Testing
@testable import PocdexKit

@Suite("OT support: the wire JSON reader, the editor diff, UTF-16 conversions")
struct OTSupportTests {
    @Test("numbers keep their written form; booleans are not numbers; big integers are not rounded")
    func numbers() throws {
        let value = try WireJSON.parse(#"[1, 1.0, 1e2, -0, true, 123456789012345678901234567890]"#)
        let items = try #require(value.arrayValue)
        #expect(items[0].exactInteger == 1)
        #expect(items[1].exactInteger == nil && items[2].exactInteger == nil)
        #expect(items[3].exactInteger == 0)
        #expect(items[4] == .bool(true) && items[4].exactInteger == nil)
        #expect(items[5].isIntegerLiteral && items[5].exactInteger == nil)
    }

    @Test("escapes: a surrogate pair is one scalar, a lone surrogate is refused, text round-trips")
    func strings() throws {
        #expect(try WireJSON.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(throws: WireJSONError.self) { try WireJSON.parse(#""\ud800""#) }
        #expect(throws: WireJSONError.self) { try WireJSON.parse(#""\udc00x""#) }
        let text = "e\u{301} \u{E9} \"quoted\" \\ \n\t\u{01} 🇧🇷"
        let back = try WireJSON.parse(WireJSON.string(text).jsonText)
        #expect(back.stringValue.map { Array($0.unicodeScalars) } == Array(text.unicodeScalars), "never normalized")
    }

    @Test("malformed JSON and nesting past the limit are refused")
    func malformed() {
        for text in ["", "[1,]", "{\"a\" 1}", "[01]", "[1.]", "nul", "[1] x", "\"\u{01}\""] {
            #expect(throws: WireJSONError.self, "\(text)") { try WireJSON.parse(text) }
        }
        #expect(throws: WireJSONError.self) { try WireJSON.parse(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)) }
    }

    @Test("the editor diff is one canonical operation in code points")
    func diff() throws {
        let cases: [(String, String, String)] = [
            ("abc", "abc", "[3]"),
            ("", "x", "[\"x\"]"),
            ("abcdef", "abXYef", "[2, \"XY\", -2, 2]"),
            ("😀😀", "😀👍🏽😀", "[1, \"👍🏽\", 1]"),
            ("e\u{301}", "e", "[1, -1]"),
            ("🇧🇷", "🇧", "[1, -1]"),
            ("aaa", "aa", "[2, -1]"),
        ]
        for (old, new, expected) in cases {
            let op = TextDiff.operation(from: old, to: new)
            let wanted = try TextOperation(wireText: expected)
            #expect(op == wanted, "\(old) → \(new)")
            let applied = try op.apply(old.otScalars)
            #expect(applied == new.otScalars)
        }
    }

    @Test("UTF-16 offsets and code point indices convert both ways around astral characters")
    func utf16() {
        let doc = "a😀b".otScalars
        #expect(TextDiff.codePointIndex(utf16Offset: 0, in: doc) == 0)
        #expect(TextDiff.codePointIndex(utf16Offset: 1, in: doc) == 1)
        #expect(TextDiff.codePointIndex(utf16Offset: 2, in: doc) == 1, "inside the pair rounds down")
        #expect(TextDiff.codePointIndex(utf16Offset: 3, in: doc) == 2)
        #expect(TextDiff.codePointIndex(utf16Offset: 9, in: doc) == 3)
        #expect(TextDiff.utf16Offset(codePointIndex: 2, in: doc) == 3)
        #expect(TextDiff.utf16Offset(codePointIndex: 3, in: doc) == 4)
    }

    @Test("the client state machine resets from a full state, dropping what was pending")
    func clientReset() throws {
        var client = OTClient(document: "ab".otScalars, revision: 4)
        _ = try client.applyLocal(try TextOperation(wireText: "[2, \"c\"]"))
        _ = try client.applyLocal(try TextOperation(wireText: "[3, \"d\"]"))
        #expect(client.state == .awaitingWithBuffer)
        let first = try TextOperation(wireText: "[2, \"c\"]")
        #expect(client.resend() == OTClient.Outgoing(revision: 4, operation: first))
        client.reset(document: "xyz".otScalars, revision: 9)
        #expect(client.state == .synchronized && client.text == "xyz" && client.revision == 9)
        #expect(throws: OTClient.ClientError.unexpectedAcknowledgement) { try client.serverAck() }
        let tooShort = try TextOperation(wireText: "[2]")
        #expect(throws: OTError.self) { try client.applyLocal(tooShort) }
        #expect(client.text == "xyz", "a refused local edit changes nothing")
    }
}
