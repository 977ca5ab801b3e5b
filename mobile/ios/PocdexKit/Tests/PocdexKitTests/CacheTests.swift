import Foundation
import Testing
@testable import PocdexKit

@Suite struct CacheTests {
    @Test func fileStorageKeepsClearsAndEvictsTheOldestDetails() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pocdex-cache-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = Locked(Date(timeIntervalSince1970: 1_800_000_000))
        let cache = OfflineCache(storage: FileCacheStorage(directory: directory), maxDetails: 2) { clock.current }
        let decoder = PocdexJSON.decoder()
        let pocs = try ["a", "b", "c"].map { try decoder.decode(Poc.self, from: Data(Fixture.poc($0, name: "N\($0)").utf8)) }
        cache.savePocList(pocs, scope: "s1")
        for poc in pocs { cache.savePoc(poc, scope: "s1") }
        // A fresh cache over the same folder reads the files back.
        let reopened = OfflineCache(storage: FileCacheStorage(directory: directory), maxDetails: 2)
        #expect(reopened.pocList(scope: "s1")?.value.map(\.id) == ["a", "b", "c"])
        #expect(reopened.pocList(scope: "s1")?.savedAt == clock.current)
        #expect(reopened.poc(id: "a", scope: "s1") == nil)  // the oldest detail went past maxDetails
        #expect(reopened.poc(id: "c", scope: "s1")?.value.name == "Nc")
        #expect(reopened.pocList(scope: "s2") == nil)
        reopened.removePoc(id: "b", scope: "s1")
        #expect(reopened.pocList(scope: "s1")?.value.map(\.id) == ["a", "c"])
        #expect(reopened.poc(id: "b", scope: "s1") == nil)
        reopened.clear()
        #expect(cache.pocList(scope: "s1") == nil)
    }
}

@Suite @MainActor struct ViewModelUpdateTests {
    @Test func theListFollowsSavesAndDeletes() async throws {
        let harness = Harness { _, _, _, _ in Fixture.page([Fixture.poc("a")]) }
        let model = PocListViewModel(repository: harness.pocs)
        await model.load()
        let saved = try PocdexJSON.decoder().decode(Poc.self, from: Data(Fixture.poc("a", name: "Renamed").utf8))
        model.apply(saved: saved)
        #expect(model.pocs.map(\.name) == ["Renamed"])
        let new = try PocdexJSON.decoder().decode(Poc.self, from: Data(Fixture.poc("z").utf8))
        model.apply(saved: new)
        #expect(model.pocs.map(\.id) == ["z", "a"])
        model.remove(id: "z")
        model.remove(id: "a")
        #expect(model.state == .empty)
    }

    @Test func aSuggestedTagBecomesAFilter() async {
        let queries = Locked<[[String]]>([])
        let harness = Harness { _, path, query, _ in
            if path.hasSuffix("suggest") { return #"{"names":[],"tags":[],"languages":[]}"# }
            queries.withLock { $0.append(query.map { "\($0.0)=\($0.1)" }) }
            return Fixture.searchPage([Fixture.hit("p", name: "x")])
        }
        let model = SearchViewModel(repository: harness.search, sleeper: Sleeper { _ in })
        model.query = "io"
        await model.settle()
        model.applySuggestedTag("ios")
        await model.settle()
        #expect(model.query.isEmpty)
        #expect(model.filters.tags == ["ios"])
        #expect(queries.current.last?.contains("tag=ios") == true)
        #expect(queries.current.last?.contains("q=") == true)
        #expect(model.state == .content)
    }

    @Test func dojoEndAndAdded() async throws {
        let harness = Harness { method, _, _, _ in
            method == "POST" ? Fixture.dojo("d1", status: "ended") : "[\(Fixture.dojo("d1", status: "live"))]"
        }
        let model = DojoListViewModel(repository: harness.dojos)
        await model.select(.live)
        await model.end(model.dojos[0])
        #expect(model.dojos[0].status == .ended)
        await model.select(.upcoming)
        let scheduled = try PocdexJSON.decoder().decode(Dojo.self, from: Data(Fixture.dojo("d2").utf8))
        model.added(scheduled)
        #expect(model.dojos.map(\.id).contains("d2"))
        #expect(model.state == .content)
    }
}
