import Foundation
#if canImport(Security)
import Security
#endif

/// Where the session's tokens are kept: the Keychain on Apple platforms, a file or memory in
/// tests and on Linux.
public protocol SecureStore: Sendable {
    func read(_ key: String) throws -> Data?
    func write(_ data: Data, for key: String) throws
    func delete(_ key: String) throws
}

public enum SecureStoreError: Error, Sendable, Hashable {
    case failed(status: Int32, operation: String)
}

/// A lock around a value, for the few shared mutable things that are not actors.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    @discardableResult
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    public var current: Value { withLock { $0 } }
}

public final class InMemorySecureStore: SecureStore {
    private let items = Locked<[String: Data]>([:])
    public init() {}
    public func read(_ key: String) throws -> Data? { items.withLock { $0[key] } }
    public func write(_ data: Data, for key: String) throws { items.withLock { $0[key] = data } }
    public func delete(_ key: String) throws { items.withLock { $0[key] = nil } }
}

/// One file per key in a directory only its owner may read (0700/0600).
public final class FileSecureStore: SecureStore {
    public let directory: URL
    private let lock = NSLock()

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    private func url(_ key: String) -> URL {
        let safe = key.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        return directory.appendingPathComponent(String(safe))
    }

    public func read(_ key: String) throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return FileManager.default.contents(atPath: url(key).path)
    }

    public func write(_ data: Data, for key: String) throws {
        lock.lock()
        defer { lock.unlock() }
        let target = url(key)
        try data.write(to: target, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target.path)
    }

    public func delete(_ key: String) throws {
        lock.lock()
        defer { lock.unlock() }
        let target = url(key)
        if FileManager.default.fileExists(atPath: target.path) {
            try FileManager.default.removeItem(at: target)
        }
    }
}

#if canImport(Security)
/// Generic passwords in the Keychain, readable after the first unlock, never synced.
public final class KeychainSecureStore: SecureStore {
    public let service: String
    public let accessGroup: String?

    public init(service: String = "br.com.pocdex.session", accessGroup: String? = nil) {
        self.service = service
        self.accessGroup = accessGroup
    }

    private func query(_ key: String) -> [String: Any] {
        var query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: key,
        ]
        if let accessGroup { query[kSecAttrAccessGroup as String] = accessGroup }
        return query
    }

    public func read(_ key: String) throws -> Data? {
        var query = query(key)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: AnyObject?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess else { throw SecureStoreError.failed(status: status, operation: "read") }
        return result as? Data
    }

    public func write(_ data: Data, for key: String) throws {
        let attributes: [String: Any] = [
            kSecValueData as String: data,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        var status = SecItemUpdate(query(key) as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound {
            var add = query(key)
            add.merge(attributes) { $1 }
            status = SecItemAdd(add as CFDictionary, nil)
        }
        guard status == errSecSuccess else { throw SecureStoreError.failed(status: status, operation: "write") }
    }

    public func delete(_ key: String) throws {
        let status = SecItemDelete(query(key) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw SecureStoreError.failed(status: status, operation: "delete")
        }
    }
}
#endif
