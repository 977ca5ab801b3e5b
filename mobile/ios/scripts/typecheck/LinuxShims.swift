// Linux only, for scripts/typecheck_app.sh: stands in for the Apple-only
// URLSessionWebSocketTransport of PocdexKit (compiled under canImport(Darwin)) so that
// App/Pocdex/DojoWiring.swift type-checks against the real package on Linux.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PocdexKit

final class URLSessionWebSocketTransport: DojoTransport, @unchecked Sendable {
    init(configuration: URLSessionConfiguration = .default) {}
    func connect(to url: URL) async throws -> AsyncStream<String> { AsyncStream { $0.finish() } }
    func send(_ text: String) async throws {}
    func close(code: Int) async {}
    var closeCode: Int? { get async { nil } }
}

/// PocdexKit's Keychain store exists only where the Security framework does.
final class KeychainSecureStore: SecureStore {
    init(service: String = "br.com.pocdex.session", accessGroup: String? = nil) {}
    func read(_ key: String) throws -> Data? { nil }
    func write(_ data: Data, for key: String) throws {}
    func delete(_ key: String) throws {}
}
