import Foundation
import Testing
@testable import PocdexKit

/// convergence.json: one in-memory server (ot.md section 7) and one real
/// `OTClient` per name, joined by FIFO up- and downlinks, replaying every step
/// and checking every recorded state.
@Suite("OT convergence vectors")
struct OTConvergenceTests {
    @Test("convergence.json", arguments: OTVectors.load("convergence"))
    func convergence(_ c: VectorCase) throws {
        #expect(c.loadError == nil, "\(c.loadError ?? "")")
        guard c.loadError == nil else { return }
        let doc = scalars(try c.string("doc"))
        let names = try #require(c["clients"]?.arrayValue).map { try #require($0.stringValue) }
        var server = try OTServerDocument(text: doc)
        var clients = Dictionary(uniqueKeysWithValues: names.map { ($0, OTClient(document: doc, revision: 0)) })
        var uplinks = Dictionary(uniqueKeysWithValues: names.map { ($0, [WireJSON]()) })
        var downlinks = Dictionary(uniqueKeysWithValues: names.map { ($0, [WireJSON]()) })
        var history: [TextOperation] = []

        func message(_ outgoing: OTClient.Outgoing?) -> WireJSON {
            guard let outgoing else { return .null }
            return .object(["revision": .integer(outgoing.revision), "operation": outgoing.operation.wire])
        }

        for (number, step) in try #require(c["steps"]?.arrayValue).enumerated() {
            let name = try #require(step["client"]?.stringValue)
            let kind = try #require(step["step"]?.stringValue)
            let context = Comment(rawValue: "step \(number) (\(kind) \(name))")
            switch kind {
            case "edit":
                let op = try TextOperation(wire: try #require(step["operation"]))
                let outgoing = try clients[name]!.applyLocal(op)
                if outgoing != nil { uplinks[name]!.append(message(outgoing)) }
                #expect(message(outgoing) == step["sends"], context)
                let expectedState = try #require(step["client_state"])
                try Self.check(clients[name]!, against: expectedState, context)
            case "server_receive":
                let sent = try #require(uplinks[name]!.first, context)
                let sentOperation = try #require(sent["operation"])
                let sentRevision = try #require(sent["revision"])
                uplinks[name]!.removeFirst()
                #expect(sent == step["message"], context)
                let accepted = try server.receive(operation: sentOperation, revision: sentRevision)
                history.append(accepted.operation)
                #expect(accepted.operation.wire == step["applied"], context)
                let stepRevision = step["revision"]?.exactInteger
                let stepDocument = step["document"]?.stringValue.map(scalars)
                #expect(Int64(accepted.revision) == stepRevision, context)
                #expect(server.text == stepDocument, context)
                for other in names {
                    if other == name {
                        downlinks[other]!.append(.object(["type": .string("ack"), "revision": .integer(accepted.revision)]))
                    } else {
                        downlinks[other]!.append(.object([
                            "type": .string("operation"), "revision": .integer(accepted.revision),
                            "operation": accepted.operation.wire,
                        ]))
                    }
                }
            case "client_receive":
                let received = try #require(downlinks[name]!.first, context)
                downlinks[name]!.removeFirst()
                #expect(received == step["message"], context)
                if received["type"]?.stringValue == "ack" {
                    let outgoing = try clients[name]!.serverAck()
                    if outgoing != nil { uplinks[name]!.append(message(outgoing)) }
                    #expect(message(outgoing) == step["sends"], context)
                } else {
                    let receivedOperation = try TextOperation(wire: try #require(received["operation"]))
                    let editorOp = try clients[name]!.applyServer(receivedOperation)
                    #expect(editorOp.wire == step["editor_operation"], context)
                }
                #expect(Int64(clients[name]!.revision) == received["revision"]?.exactInteger || clients[name]!.outstanding != nil
                        || received["type"]?.stringValue == "ack", context)
                let expectedState = try #require(step["client_state"])
                try Self.check(clients[name]!, against: expectedState, context)
            default:
                Issue.record(Comment(rawValue: "unknown step \(kind)"))
            }
        }

        let uplinksEmpty = uplinks.values.allSatisfy { $0.isEmpty }
        let downlinksEmpty = downlinks.values.allSatisfy { $0.isEmpty }
        #expect(uplinksEmpty, "every uplink is empty at the end")
        #expect(downlinksEmpty, "every downlink is empty at the end")
        let final = try #require(c["final"])
        let finalDocument = final["document"]?.stringValue.map(scalars)
        #expect(server.text == finalDocument)
        #expect(Int64(server.revision) == final["revision"]?.exactInteger)
        #expect(WireJSON.array(history.map(\.wire)) == final["history"])
        let finalClients = try #require(final["clients"]?.objectValue)
        #expect(Set(finalClients.keys) == Set(names))
        for name in names {
            let expectedClient = try #require(finalClients[name])
            try Self.check(clients[name]!, against: expectedClient, Comment(rawValue: "final \(name)"))
            #expect(clients[name]!.state == .synchronized)
            #expect(clients[name]!.document == server.text)
        }
    }

    static func check(_ client: OTClient, against expected: WireJSON, _ context: Comment) throws {
        #expect(client.state.rawValue == expected["state"]?.stringValue, context)
        #expect(Int64(client.revision) == expected["revision"]?.exactInteger, context)
        let document = expected["document"]?.stringValue.map(scalars)
        #expect(client.document == document, context)
        #expect((client.outstanding?.wire ?? .null) == expected["outstanding"], context)
        #expect((client.buffer?.wire ?? .null) == expected["buffer"], context)
    }
}
