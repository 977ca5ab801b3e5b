import Foundation
import Testing
@testable import PocdexKit

@Suite("Dojo wire: frames, dates, the test client's SHA-1")
struct DojoWireTests {
    @Test("server instants parse with any fraction and offsets")
    func dates() throws {
        let base = try #require(DojoWireDates.parse("2027-01-15T08:00:00Z"))
        #expect(DojoWireDates.parse("2027-01-15T08:00:00.250000Z")?.timeIntervalSince(base) == 0.25)
        #expect(DojoWireDates.parse("2027-01-15T10:00:00+02:00") == base)
        #expect(DojoWireDates.parse("2027-01-15") == nil)
        #expect(DojoWireDates.parse("yesterday") == nil)
    }

    @Test("client frames are the protocol's JSON")
    func clientFrames() throws {
        let op = DojoClientFrame.op(id: "x-1", revision: 3, operation: try TextOperation(wireText: #"[1, "é", -1]"#))
        let sent = try WireJSON.parse(op.text)
        #expect(sent == json(#"{"type": "op", "id": "x-1", "revision": 3, "op": [1, "é", -1]}"#))
        #expect(try WireJSON.parse(DojoClientFrame.resumeTimer.text) == .object(["type": .string("resume_timer")]))
        #expect(try WireJSON.parse(DojoClientFrame.queue(join: true).text)["join"] == .bool(true))
        #expect(try WireJSON.parse(DojoClientFrame.resume(lastSeq: 9).text)["last_seq"] == .integer(9))
    }

    @Test("server frames: welcome, events, op_ack, errors, unknown kinds; a non-canonical op is refused")
    func serverFrames() throws {
        let welcome = try DojoServerFrame(wire: Frames.welcome(state: Frames.state(seq: 4, revision: 2, document: "ab")))
        guard case .welcome(let you, false, _, _, let state?) = welcome else { Issue.record("not a welcome"); return }
        #expect(you == Frames.ana && state.seq == 4 && state.seats.piloto == "u-ana" && state.timer.state == .running)
        let ack = try DojoServerFrame(text: #"{"type":"op_ack","duplicate":true,"seq":6,"revision":3,"op":[2,"c"],"id":"a-1"}"#)
        guard case .opAck(let event) = ack, case .op(3, _, "a-1") = event.payload else { Issue.record("not an op_ack"); return }
        #expect(try DojoServerFrame(text: #"{"type":"error","code":"rate_limited","message":"m","ref":7}"#)
                == .error(code: "rate_limited", message: "m", ref: "7", fatal: false))
        #expect(try DojoServerFrame(text: #"{"type":"newthing","seq":9}"#) == .event(DojoEvent(seq: 9, payload: .other(type: "newthing"))))
        #expect(try DojoServerFrame(text: #"{"type":"newthing"}"#) == .unknown(type: "newthing"))
        #expect(throws: OTError.self) { try DojoServerFrame(text: #"{"type":"op","seq":2,"revision":1,"op":[1,2]}"#) }
        #expect(throws: DojoFrameError.self) { try DojoServerFrame(text: "not json") }
    }

    @Test("SHA-1 of the WebSocket handshake (RFC 6455's example) and of the standard test strings")
    func sha1() {
        let accept = Data(SHA1.digest(Array("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11".utf8))).base64EncodedString()
        #expect(accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        let hex = { (s: String) in SHA1.digest(Array(s.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex(String(repeating: "a", count: 1000)) == "291e9a6c66994949b57ba5e650361e98fc36b1ba")
    }
}
