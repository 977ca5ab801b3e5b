import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import PocdexKit

/// A minimal RFC 6455 WebSocket client over a POSIX socket, for the tests only
/// (ADR 0031): ws:// only, the opening handshake with its SHA-1 accept check,
/// masked client frames, fragmented messages reassembled, ping answered with pong,
/// the closing handshake. Foundation's WebSocket task on Linux cannot carry the
/// dojo protocol, so the tests reach the real service through this client behind
/// the same `DojoTransport` protocol the app uses.
final class RFC6455TestTransport: DojoTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32 = -1
    private var continuation: AsyncStream<String>.Continuation?
    private var receivedCloseCode: Int?
    private var closing = false
    private var thread: Thread?
    /// Every text message received, for assertions (in order).
    private(set) var received: [String] = []
    private var _connectedURL: URL?
    /// The URL this transport connected to.
    var connectedURL: URL? { lock.withLock { _connectedURL } }

    init() {}

    deinit {
        if fd >= 0 { _ = systemClose(fd) }
    }

    func connect(to url: URL) async throws -> AsyncStream<String> {
        guard url.scheme == "ws", let host = url.host else {
            throw DojoTransportError.handshakeFailed("only ws:// URLs")
        }
        let port = url.port ?? 80
        let path = (url.path.isEmpty ? "/" : url.path) + (url.query.map { "?" + $0 } ?? "")
        // The handshake blocks in the kernel (name lookup, connect, send, recv until the server
        // answers 101), so it runs on a thread of its own: Swift concurrency has as many
        // cooperative threads as cores (two on a small machine), and two handshakes waiting on a
        // slow server there would stall every other task of the test process, the scripted
        // tests' steps included, until the server answered.
        let (socket, rest) = try await Self.onOwnThread(named: "rfc6455-handshake") {
            try Self.handshake(host: host, port: port, path: path)
        }
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        lock.withLock {
            self.fd = socket
            self.continuation = continuation
            self._connectedURL = url
        }
        let thread = Thread { [self] in self.readLoop(socket: socket, initial: rest) }
        thread.name = "rfc6455-reader"
        self.thread = thread
        thread.start()
        return stream
    }

    /// Opens the socket and performs the opening handshake; returns the socket and any bytes
    /// read after the response head. Blocking: call it through `onOwnThread`.
    private static func handshake(host: String, port: Int, path: String) throws -> (Int32, [UInt8]) {
        let socket = try open(host: host, port: port)
        var keyBytes = [UInt8](repeating: 0, count: 16)
        for i in keyBytes.indices { keyBytes[i] = UInt8.random(in: 0...255) }
        let key = Data(keyBytes).base64EncodedString()
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\nOrigin: http://\(host):\(port)\r\n\r\n"
        do {
            try writeAll(socket, Array(request.utf8))
            let (head, rest) = try readHead(socket)
            let lines = head.components(separatedBy: "\r\n")
            guard let status = lines.first, status.hasPrefix("HTTP/1.1 101") else {
                throw DojoTransportError.handshakeFailed(lines.first ?? "no status line")
            }
            let expected = Data(SHA1.digest(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
            let accept = lines.dropFirst().first { $0.lowercased().hasPrefix("sec-websocket-accept:") }?
                .split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
            guard accept == expected else { throw DojoTransportError.handshakeFailed("bad Sec-WebSocket-Accept") }
            return (socket, rest)
        } catch {
            _ = systemClose(socket)
            throw error
        }
    }

    /// Runs blocking `work` on a new thread and resumes with its result.
    private static func onOwnThread<T: Sendable>(named name: String,
                                                 _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.name = name
            thread.start()
        }
    }

    func send(_ text: String) async throws {
        try sendFrame(opcode: 0x1, payload: Array(text.utf8))
    }

    func close(code: Int) async {
        let payload = [UInt8(truncatingIfNeeded: code >> 8), UInt8(truncatingIfNeeded: code)]
        let first = lock.withLock { () -> Bool in
            let was = closing
            closing = true
            return !was
        }
        if first { try? sendFrame(opcode: 0x8, payload: payload) }
        shutdownSocket()
    }

    /// Drops the TCP connection without a closing handshake (a dead network).
    func kill() {
        lock.withLock { closing = true }
        shutdownSocket()
    }

    var closeCode: Int? {
        get async { lock.withLock { receivedCloseCode } }
    }

    // MARK: frames

    private func sendFrame(opcode: UInt8, payload: [UInt8]) throws {
        var frame: [UInt8] = [0x80 | opcode]
        let count = payload.count
        if count < 126 {
            frame.append(0x80 | UInt8(count))
        } else if count <= 0xFFFF {
            frame.append(0x80 | 126)
            frame += [UInt8(count >> 8), UInt8(count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((count >> shift) & 0xFF)) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame.reserveCapacity(frame.count + count)
        for (i, b) in payload.enumerated() { frame.append(b ^ mask[i & 3]) }
        try lock.withLock {
            guard fd >= 0 else { throw DojoTransportError.notConnected }
            try Self.writeAll(fd, frame)
        }
    }

    private func readLoop(socket: Int32, initial: [UInt8]) {
        var buffer = initial
        var message: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        func fill(_ needed: Int) -> Bool {
            while buffer.count < needed {
                let n = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return false }
                buffer += chunk[0..<n]
            }
            return true
        }
        loop: while true {
            guard fill(2) else { break }
            let fin = buffer[0] & 0x80 != 0
            let opcode = buffer[0] & 0x0F
            let masked = buffer[1] & 0x80 != 0
            var length = Int(buffer[1] & 0x7F)
            var offset = 2
            if length == 126 {
                guard fill(4) else { break }
                length = Int(buffer[2]) << 8 | Int(buffer[3])
                offset = 4
            } else if length == 127 {
                guard fill(10) else { break }
                length = 0
                for i in 2..<10 { length = length << 8 | Int(buffer[i]) }
                offset = 10
            }
            var mask: [UInt8] = []
            if masked {
                guard fill(offset + 4) else { break }
                mask = Array(buffer[offset..<offset + 4])
                offset += 4
            }
            guard fill(offset + length) else { break }
            var payload = Array(buffer[offset..<offset + length])
            buffer.removeFirst(offset + length)
            if masked { for i in payload.indices { payload[i] ^= mask[i & 3] } }
            switch opcode {
            case 0x0, 0x1, 0x2:
                message += payload
                if fin {
                    let text = String(decoding: message, as: UTF8.self)
                    message.removeAll(keepingCapacity: true)
                    let c = lock.withLock { () -> AsyncStream<String>.Continuation? in
                        received.append(text)
                        return continuation
                    }
                    c?.yield(text)
                }
            case 0x8:
                let code = payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : 1005
                let answer = lock.withLock { () -> Bool in
                    receivedCloseCode = code
                    let was = closing
                    closing = true
                    return !was
                }
                if answer { try? sendFrame(opcode: 0x8, payload: Array(payload.prefix(2))) }
                break loop
            case 0x9:
                try? sendFrame(opcode: 0xA, payload: payload)
            default:
                break
            }
        }
        shutdownSocket()
        let c = lock.withLock { () -> AsyncStream<String>.Continuation? in
            let c = continuation
            continuation = nil
            if fd >= 0 { _ = systemClose(fd); fd = -1 }
            return c
        }
        c?.finish()
    }

    private func shutdownSocket() {
        lock.withLock {
            if fd >= 0 { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    // MARK: sockets

    private static func open(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else {
            throw DojoTransportError.handshakeFailed("cannot resolve \(host)")
        }
        defer { freeaddrinfo(result) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                if Glue.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    var one: Int32 = 1
                    _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    #if canImport(Darwin)
                    _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
                    #endif
                    return fd
                }
                _ = systemClose(fd)
            }
            entry = info.pointee.ai_next
        }
        throw DojoTransportError.handshakeFailed("cannot connect to \(host):\(port)")
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                #if os(Linux)
                return Glibc.send(fd, raw.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                #else
                return Darwin.send(fd, raw.baseAddress! + sent, bytes.count - sent, 0)
                #endif
            }
            if n <= 0 { throw DojoTransportError.closed }
            sent += n
        }
    }

    /// Reads the HTTP response head; returns it and any bytes after it.
    private static func readHead(_ fd: Int32) throws -> (String, [UInt8]) {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let end: [UInt8] = [13, 10, 13, 10]
        while true {
            if let range = firstRange(of: end, in: data) {
                let head = String(decoding: data[..<range], as: UTF8.self)
                return (head, Array(data[(range + 4)...]))
            }
            guard data.count < 65536 else { throw DojoTransportError.handshakeFailed("response head too long") }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { throw DojoTransportError.handshakeFailed("closed during the handshake") }
            data += chunk[0..<n]
        }
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<i + needle.count]) == needle { return i }
        return nil
    }
}

private func systemClose(_ fd: Int32) -> Int32 {
    #if os(Linux)
    return Glibc.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}

private enum Glue {
    static func connect(_ fd: Int32, _ addr: UnsafeMutablePointer<sockaddr>!, _ len: socklen_t) -> Int32 {
        #if os(Linux)
        return Glibc.connect(fd, addr, len)
        #else
        return Darwin.connect(fd, addr, len)
        #endif
    }
}

/// SHA-1 (FIPS 180-4), only for the WebSocket handshake's accept check.
enum SHA1 {
    static func digest(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
        var data = message
        let bitLength = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8((bitLength >> UInt64(shift)) & 0xFF)) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let j = chunk + i * 4
                w[i] = UInt32(data[j]) << 24 | UInt32(data[j + 1]) << 16 | UInt32(data[j + 2]) << 8 | UInt32(data[j + 3])
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = (x << 1) | (x >> 31)
            }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32)
                switch i {
                case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A827999)
                case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9EBA1)
                case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1BBCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62C1D6)
                }
                let temp = ((a << 5) | (a >> 27)) &+ f &+ e &+ k &+ w[i]
                e = d
                d = c
                c = (b << 30) | (b >> 2)
                b = a
                a = temp
            }
            h[0] = h[0] &+ a
            h[1] = h[1] &+ b
            h[2] = h[2] &+ c
            h[3] = h[3] &+ d
            h[4] = h[4] &+ e
        }
        return h.flatMap { v in [24, 16, 8, 0].map { UInt8((v >> UInt32($0)) & 0xFF) } }
    }
}
