import Foundation

/// Bytes by key: files in the app's caches directory, or memory in tests.
public protocol CacheStorage: Sendable {
    func read(_ key: String) -> Data?
    func write(_ data: Data, for key: String)
    func remove(_ key: String)
    func removeAll()
}

public final class MemoryCacheStorage: CacheStorage {
    private let items = Locked<[String: Data]>([:])
    public init() {}
    public func read(_ key: String) -> Data? { items.withLock { $0[key] } }
    public func write(_ data: Data, for key: String) { items.withLock { $0[key] = data } }
    public func remove(_ key: String) { items.withLock { $0[key] = nil } }
    public func removeAll() { items.withLock { $0.removeAll() } }
}

public final class FileCacheStorage: CacheStorage {
    public let directory: URL
    private let lock = NSLock()

    public init(directory: URL) {
        self.directory = directory
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// `Caches/pocdex-offline` on Apple platforms.
    public static func standard() -> FileCacheStorage {
        let base = FileManager.default.urls(for: .cachesDirectory, in: .userDomainMask).first
            ?? FileManager.default.temporaryDirectory
        return FileCacheStorage(directory: base.appendingPathComponent("pocdex-offline"))
    }

    private func url(_ key: String) -> URL {
        directory.appendingPathComponent(String(key.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }) + ".json")
    }

    public func read(_ key: String) -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return FileManager.default.contents(atPath: url(key).path)
    }

    public func write(_ data: Data, for key: String) {
        lock.lock()
        defer { lock.unlock() }
        try? data.write(to: url(key), options: .atomic)
    }

    public func remove(_ key: String) {
        lock.lock()
        defer { lock.unlock() }
        try? FileManager.default.removeItem(at: url(key))
    }

    public func removeAll() {
        lock.lock()
        defer { lock.unlock() }
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        for file in files { try? FileManager.default.removeItem(at: file) }
    }
}

/// A value and when it was fetched.
public struct Cached<Value: Codable & Sendable>: Codable, Sendable {
    public var value: Value
    public var savedAt: Date
}

/// Where a value shown on screen came from: the platform just now, or the offline cache (stale).
public enum DataSource: Sendable, Hashable {
    case network
    case cache(savedAt: Date)

    public var isStale: Bool {
        if case .cache = self { return true }
        return false
    }
}

public struct Loaded<Value: Sendable>: Sendable {
    public var value: Value
    public var source: DataSource
    public init(value: Value, source: DataSource) {
        self.value = value
        self.source = source
    }
}

extension Loaded: Equatable where Value: Equatable {}

/// The offline read cache: the last POC list (first page) and every POC detail opened, per
/// organization and person, so another account on the device never sees them. Cleared on logout.
public final class OfflineCache: Sendable {
    private let storage: any CacheStorage
    private let now: @Sendable () -> Date
    private let maxDetails: Int

    public init(storage: any CacheStorage, maxDetails: Int = 200, now: @escaping @Sendable () -> Date = { Date() }) {
        self.storage = storage
        self.maxDetails = maxDetails
        self.now = now
    }

    private func key(_ scope: String, _ name: String) -> String { "\(scope)-\(name)" }

    public func savePocList(_ pocs: [Poc], scope: String) {
        put(Cached(value: pocs, savedAt: now()), key: key(scope, "poc-list"))
    }

    public func pocList(scope: String) -> Cached<[Poc]>? { get(key(scope, "poc-list")) }

    public func savePoc(_ poc: Poc, scope: String) {
        put(Cached(value: poc, savedAt: now()), key: key(scope, "poc-\(poc.id)"))
        var index: [String] = get(key(scope, "poc-index"))?.value ?? []
        index.removeAll { $0 == poc.id }
        index.append(poc.id)
        while index.count > maxDetails {
            storage.remove(key(scope, "poc-\(index.removeFirst())"))
        }
        put(Cached(value: index, savedAt: now()), key: key(scope, "poc-index"))
    }

    public func poc(id: String, scope: String) -> Cached<Poc>? { get(key(scope, "poc-\(id)")) }

    public func removePoc(id: String, scope: String) {
        storage.remove(key(scope, "poc-\(id)"))
        if var list = pocList(scope: scope) {
            list.value.removeAll { $0.id == id }
            put(list, key: key(scope, "poc-list"))
        }
    }

    public func clear() { storage.removeAll() }

    private func put<T: Codable & Sendable>(_ value: Cached<T>, key: String) {
        if let data = try? PocdexJSON.encoder().encode(value) { storage.write(data, for: key) }
    }

    private func get<T: Codable & Sendable>(_ key: String) -> Cached<T>? {
        guard let data = storage.read(key) else { return nil }
        return try? PocdexJSON.decoder().decode(Cached<T>.self, from: data)
    }
}
