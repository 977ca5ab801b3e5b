import Foundation
import Testing
@testable import PocdexKit

@Suite("OT vectors (shared/protocol/ot)")
struct OTVectorTests {
    @Test("apply.json", arguments: OTVectors.load("apply"))
    func apply(_ c: VectorCase) throws {
        #expect(c.loadError == nil, "\(c.loadError ?? "")")
        guard c.loadError == nil else { return }
        let doc = scalars(try c.string("doc"))
        let op = try c.operation("operation")
        let baseLength = try c.int("base_length")
        let targetLength = try c.int("target_length")
        #expect(op.baseLength == baseLength)
        #expect(op.targetLength == targetLength)
        let result = try op.apply(doc)
        let expectedResult = scalars(try c.string("result"))
        #expect(result == expectedResult)
        let inverse = try op.invert(doc)
        let expectedInverse = try c.operation("inverse")
        #expect(inverse == expectedInverse)
        #expect(inverse.wire == c["inverse"])
        let undone = try inverse.apply(result)
        #expect(undone == doc)
        #expect(op.isNoop == (c["is_noop"] == .bool(true)))
        #expect(op.wire == c["operation"], "the wire form round-trips exactly")
    }

    @Test("compose.json", arguments: OTVectors.load("compose"))
    func compose(_ c: VectorCase) throws {
        #expect(c.loadError == nil, "\(c.loadError ?? "")")
        guard c.loadError == nil else { return }
        let doc = scalars(try c.string("doc"))
        let a = try c.operation("a")
        let b = try c.operation("b")
        let composed = try TextOperation.compose(a, b)
        #expect(composed.wire == c["composed"])
        let result = scalars(try c.string("result"))
        let viaComposed = try composed.apply(doc)
        let viaBoth = try b.apply(try a.apply(doc))
        #expect(viaComposed == result)
        #expect(viaBoth == result)
    }

    @Test("transform.json", arguments: OTVectors.load("transform"))
    func transform(_ c: VectorCase) throws {
        #expect(c.loadError == nil, "\(c.loadError ?? "")")
        guard c.loadError == nil else { return }
        let doc = scalars(try c.string("doc"))
        let a = try c.operation("a")
        let b = try c.operation("b")
        let (aPrime, bPrime) = try TextOperation.transform(a, b)
        #expect(aPrime.wire == c["a_prime"])
        #expect(bPrime.wire == c["b_prime"])
        let result = scalars(try c.string("result"))
        let viaA = try bPrime.apply(try a.apply(doc))
        let viaB = try aPrime.apply(try b.apply(doc))
        #expect(viaA == result)
        #expect(viaB == result)
    }

    @Test("cursor.json", arguments: OTVectors.load("cursor"))
    func cursor(_ c: VectorCase) throws {
        #expect(c.loadError == nil, "\(c.loadError ?? "")")
        guard c.loadError == nil else { return }
        let op = try c.operation("operation")
        let docLength = scalars(try c.string("doc")).count
        #expect(op.baseLength == docLength)
        if let index = c["index"] {
            let moved = try op.transformIndex(wire: index)
            let expected = try c.int("expected")
            #expect(moved == expected)
        } else {
            let selection = try Selection(wire: try #require(c["selection"]))
            let expected = try Selection(wire: try #require(c["expected"]))
            let moved = try selection.transformed(by: op)
            #expect(moved == expected)
            #expect(moved.wire == c["expected"])
        }
    }

    @Test("invalid.json", arguments: OTVectors.load("invalid"))
    func invalid(_ c: VectorCase) throws {
        #expect(c.loadError == nil, "\(c.loadError ?? "")")
        guard c.loadError == nil else { return }
        let check = try c.string("check")
        let expected: OTErrorCode?
        switch c["code"] {
        case .null?: expected = nil
        case .string(let raw)?: expected = try #require(OTErrorCode(rawValue: raw), "unknown code \(raw)")
        default: Issue.record("no code"); return
        }
        let outcome: Result<Void, OTError>
        do {
            try Self.run(check: check, c)
            outcome = .success(())
        } catch let error as OTError {
            outcome = .failure(error)
        }
        switch (outcome, expected) {
        case (.success, nil): break
        case (.failure(let error), let code?):
            #expect(error.code == code, "\(error)")
        case (.success, let code?):
            Issue.record("accepted; expected \(code.rawValue)")
        case (.failure(let error), nil):
            Issue.record("refused with \(error); expected acceptance")
        }
    }

    /// Calls what `check` names; throws `OTError` (anything else fails the test).
    static func run(check: String, _ c: VectorCase) throws {
        switch check {
        case "parse":
            let maxSize = c["max_size"]?.exactInteger.map(Int.init)
            _ = try TextOperation(wireText: try c.string("wire"), maxSize: maxSize)
        case "apply":
            _ = try c.operation("operation").apply(scalars(try c.string("doc")))
        case "invert":
            _ = try c.operation("operation").invert(scalars(try c.string("doc")))
        case "compose":
            _ = try TextOperation.compose(try c.operation("a"), try c.operation("b"))
        case "transform":
            _ = try TextOperation.transform(try c.operation("a"), try c.operation("b"))
        case "cursor":
            let index = (try? WireJSON.parse(try c.string("index"))) ?? .null
            _ = try c.operation("operation").transformIndex(wire: index)
        case "selection":
            _ = try Selection(wireText: try c.string("wire"))
        case "server":
            let spec = try #require(c["server"])
            let history = try (spec["history"]?.arrayValue ?? []).map { try TextOperation(wire: $0) }
            var server = try OTServerDocument(
                text: scalars(try #require(spec["text"]?.stringValue)),
                revision: Int(try #require(spec["revision"]?.exactInteger)),
                history: history,
                maxDocumentLength: spec["max_document_length"]?.exactInteger.map(Int.init) ?? OTServerDocument.defaultMaxDocumentLength,
                maxOperationSize: spec["max_operation_size"]?.exactInteger.map(Int.init) ?? OTServerDocument.defaultMaxOperationSize
            )
            let before = (server.text, server.revision, server.history)
            // JSON text the platform decoder refuses counts as the operation being invalid.
            let operation: WireJSON
            do { operation = try WireJSON.parse(try c.string("operation")) } catch {
                throw OTError(.invalidOperation, "not JSON")
            }
            let revision = (try? WireJSON.parse(try c.string("revision"))) ?? .null
            do {
                _ = try server.receive(operation: operation, revision: revision)
            } catch {
                #expect(server.text == before.0 && server.revision == before.1 && server.history == before.2,
                        "a refused submission changed the server")
                throw error
            }
        default:
            Issue.record("unknown check \(check)")
        }
    }
}

@Suite("OT vector files")
struct OTVectorEnvelopeTests {
    @Test("an unknown format is refused")
    func unknownFormat() {
        let text = #"{"format": "other", "version": 1, "kind": "apply", "cases": [{"name": "x"}]}"#
        #expect(throws: OTVectors.EnvelopeError.self) { try OTVectors.cases(fromText: text, kind: "apply") }
    }

    @Test("an unknown version is refused")
    func unknownVersion() {
        let text = #"{"format": "pocdex-ot-vectors", "version": 2, "kind": "apply", "cases": [{"name": "x"}]}"#
        #expect(throws: OTVectors.EnvelopeError.self) { try OTVectors.cases(fromText: text, kind: "apply") }
    }

    @Test("the known envelope is read")
    func knownEnvelope() throws {
        let text = #"{"format": "pocdex-ot-vectors", "version": 1, "kind": "apply", "cases": [{"name": "x"}]}"#
        let cases = try OTVectors.cases(fromText: text, kind: "apply")
        #expect(cases.count == 1)
    }

    @Test("every vector file is present and has cases", arguments: ["apply", "compose", "transform", "cursor", "invalid", "convergence"])
    func filesPresent(kind: String) {
        let cases = OTVectors.load(kind)
        let loaded = cases.allSatisfy { $0.loadError == nil }
        #expect(loaded)
        #expect(cases.count > 1)
    }
}
