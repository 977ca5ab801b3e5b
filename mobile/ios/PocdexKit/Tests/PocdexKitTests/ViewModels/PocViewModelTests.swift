import Foundation
import Testing
@testable import PocdexKit

@Suite @MainActor struct PocListViewModelTests {
    @Test func loadingThenContentWithPaging() async throws {
        let harness = Harness { _, path, query, _ in
            #expect(path == "/api/v1/pocs")
            let cursor = query.first { $0.0 == "cursor" }?.1
            if cursor == nil { return Fixture.page([Fixture.poc("a"), Fixture.poc("b"), Fixture.poc("c")], next: "c2") }
            #expect(cursor == "c2")
            return Fixture.page([Fixture.poc("c"), Fixture.poc("d")])  // "c" again: not duplicated
        }
        let model = PocListViewModel(repository: harness.pocs, pageSize: 3)
        #expect(model.state == .idle)
        await model.load()
        #expect(model.state == .content)
        #expect(model.pocs.map(\.id) == ["a", "b", "c"])
        #expect(model.hasMore)
        await model.loadMoreIfNeeded(current: model.pocs[0])  // first rows: no page yet
        await model.loadMoreIfNeeded(current: model.pocs[2])
        #expect(model.pocs.map(\.id) == ["a", "b", "c", "d"])
        #expect(!model.hasMore)
        #expect(model.staleSince == nil)
        #expect(harness.api.calls.count == 2)
    }

    @Test func emptyList() async {
        let harness = Harness { _, _, _, _ in Fixture.page([]) }
        let model = PocListViewModel(repository: harness.pocs)
        await model.load()
        #expect(model.state == .empty)
        #expect(model.pocs.isEmpty)
    }

    @Test func errorWithTheServersCode() async {
        let harness = Harness { _, _, _, _ in throw apiError(500, "internal_error") }
        let model = PocListViewModel(repository: harness.pocs)
        await model.load()
        guard case .error(let message) = model.state else {
            Issue.record("expected an error, got \(model.state)")
            return
        }
        #expect(message.code == "internal_error")
        #expect(message.kind == .server)
    }

    @Test func offlineWithoutCacheThenTheCachedListMarkedStale() async {
        let online = Locked(false)
        let harness = Harness { _, _, _, _ in
            guard online.current else { throw offline }
            return Fixture.page([Fixture.poc("a", name: "Cached")])
        }
        let model = PocListViewModel(repository: harness.pocs)
        await model.load()
        #expect(model.state == .offline)

        online.withLock { $0 = true }
        await model.refresh()
        #expect(model.state == .content)
        #expect(model.staleSince == nil)

        // A new screen, offline: the cached first page is shown, marked stale.
        online.withLock { $0 = false }
        let later = PocListViewModel(repository: harness.pocs)
        await later.load()
        #expect(later.state == .content)
        #expect(later.pocs.map(\.name) == ["Cached"])
        #expect(later.staleSince != nil)
        #expect(!later.hasMore)
    }

    @Test func refreshFailingOfflineKeepsTheList() async {
        let online = Locked(true)
        let harness = Harness { _, _, _, _ in
            guard online.current else { throw offline }
            return Fixture.page([Fixture.poc("a")])
        }
        let model = PocListViewModel(repository: harness.pocs)
        await model.load()
        online.withLock { $0 = false }
        await model.refresh()
        // The list stays (the cached first page), marked stale.
        #expect(model.pocs.map(\.id) == ["a"])
        #expect(model.state == .content)
        #expect(model.staleSince != nil)
        #expect(!model.isRefreshing)
        online.withLock { $0 = true }
        await model.refresh()
        #expect(model.staleSince == nil)
    }

    @Test func theCacheIsPerAccount() async throws {
        let api = FakeAPI { _, _, _, _ in Fixture.page([Fixture.poc("mine")]) }
        let cache = OfflineCache(storage: MemoryCacheStorage())
        let mine = PocRepository(api: api, cache: cache) { "org-1-user-1" }
        _ = try? await mine.page()
        api.route { _, _, _, _ in throw offline }
        let other = PocRepository(api: api, cache: cache) { "org-2-user-9" }
        await #expect(throws: APIError.self) { try await other.page() }
        let cached = try await mine.page()
        #expect(cached.value.results.map(\.id) == ["mine"])
        #expect(cached.source.isStale)
    }
}

@Suite @MainActor struct SearchViewModelTests {
    static func harness(_ seen: Locked<[String]>) -> Harness {
        Harness { _, path, query, _ in
            let q = query.first { $0.0 == "q" }?.1 ?? ""
            if path == "/api/v1/search/suggest" {
                return #"{"names":[{"id":"p1","name":"Swift \#(q)"}],"tags":[{"value":"ios","count":2}],"languages":[]}"#
            }
            seen.withLock { $0.append(q + "|" + query.filter { $0.0 == "language" }.map(\.1).joined(separator: ",")) }
            if q == "nada" { return Fixture.searchPage([]) }
            if q == "boom" { throw apiError(400, "invalid_query") }
            if q == "offline" { throw offline }
            return Fixture.searchPage([Fixture.hit("p1", name: "Swift \(q)", highlight: "<mark>Swift</mark> \(q)")], total: 1, next: "n1")
        }
    }

    @Test func typingIsDebouncedAndOnlyTheLastQueryIsSent() async {
        let seen = Locked<[String]>([])
        let sleeper = ManualSleeper()
        let model = SearchViewModel(repository: Self.harness(seen).search, debounce: .milliseconds(80), sleeper: sleeper.sleeper)
        model.query = "s"
        model.query = "sw"
        model.query = "swf"
        #expect(await sleeper.waitForSleepers(1))
        // Each keystroke cancelled the previous debounce: one wait is left.
        #expect(sleeper.pending == [.milliseconds(80)])
        #expect(seen.current.isEmpty)
        sleeper.advance()
        await model.settle()
        #expect(seen.current == ["swf|"])
        #expect(model.searchesSent == 1)
        #expect(model.state == .content)
        #expect(model.resultsQuery == "swf")
        #expect(model.results.map(\.id) == ["p1"])
        #expect(model.total == 1)
        #expect(model.facets.languages.first?.value == "swift")
        #expect(model.suggestions.names.first?.name == "Swift swf")
        #expect(SearchViewModel.highlightedName(model.results[0]).segments.first == .init(text: "Swift", isMatch: true))
    }

    @Test func theDebounceIsAtMost100ms() {
        let model = SearchViewModel(repository: SearchRepository(api: FakeAPI()), debounce: .milliseconds(500))
        #expect(model.debounce == .milliseconds(100))
    }

    @Test func facetsSearchAtOnceAndCombineWithTheQuery() async {
        let seen = Locked<[String]>([])
        let sleeper = ManualSleeper()
        let model = SearchViewModel(repository: Self.harness(seen).search, sleeper: sleeper.sleeper)
        model.query = "kit"
        #expect(await sleeper.waitForSleepers(1))
        sleeper.advance()
        await model.settle()
        model.toggleLanguage("swift")
        await model.settle()
        model.toggleLanguage("go")
        await model.settle()
        #expect(seen.current == ["kit|", "kit|swift", "kit|swift,go"])
        model.toggleLanguage("swift")
        await model.settle()
        #expect(seen.current.last == "kit|go")
        #expect(model.filters.languages == ["go"])
    }

    @Test func emptyErrorOfflineAndClearing() async {
        let seen = Locked<[String]>([])
        let model = SearchViewModel(repository: Self.harness(seen).search, sleeper: Sleeper { _ in })
        model.query = "nada"
        await model.settle()
        #expect(model.state == .empty)
        model.query = "boom"
        await model.settle()
        #expect(model.state == .error(ErrorMessage(kind: .server, code: "invalid_query", serverMessage: "msg invalid_query")))
        model.query = "offline"
        await model.settle()
        #expect(model.state == .offline)
        model.query = "   "
        await model.settle()
        #expect(model.state == .idle)
        #expect(model.results.isEmpty)
        #expect(model.resultsQuery == nil)
    }

    @Test func aSlowAnswerToAnOldQueryNeverReplacesTheNewOne() async {
        let gate = ManualSleeper()
        let harness = Harness { _, path, query, _ in
            let q = query.first { $0.0 == "q" }?.1 ?? ""
            if path == "/api/v1/search/suggest" { return #"{"names":[],"tags":[],"languages":[]}"# }
            if q == "old" { try await gate.sleeper(.seconds(1)) }  // held until released
            return Fixture.searchPage([Fixture.hit(q, name: q)])
        }
        let model = SearchViewModel(repository: harness.search, sleeper: Sleeper { _ in })
        model.query = "old"
        #expect(await gate.waitForSleepers(1))
        model.query = "new"
        await model.settle()
        gate.advance()
        await Task.yield()
        #expect(model.results.map(\.id) == ["new"])
        #expect(model.resultsQuery == "new")
    }

    @Test func pagingAppendsTheNextPage() async {
        let harness = Harness { _, path, query, _ in
            if path == "/api/v1/search/suggest" { return #"{"names":[],"tags":[],"languages":[]}"# }
            if query.contains(where: { $0.0 == "cursor" }) { return Fixture.searchPage([Fixture.hit("p2", name: "two")], total: 2) }
            return Fixture.searchPage([Fixture.hit("p1", name: "one")], total: 2, next: "n1")
        }
        let model = SearchViewModel(repository: harness.search, sleeper: Sleeper { _ in })
        model.query = "x"
        await model.settle()
        await model.loadMoreIfNeeded(current: model.results[0])
        #expect(model.results.map(\.id) == ["p1", "p2"])
        #expect(model.nextCursor == nil)
    }
}

@Suite @MainActor struct PocDetailViewModelTests {
    @Test func contentThenCachedWhenOffline() async {
        let online = Locked(true)
        let harness = Harness { _, path, _, _ in
            guard online.current else { throw offline }
            if path.hasSuffix("/attachments") { return "[]" }
            return Fixture.poc("p1", name: "Detalhe")
        }
        let model = PocDetailViewModel(pocID: "p1", repository: harness.pocs)
        await model.load()
        #expect(model.state == .content)
        #expect(model.poc?.name == "Detalhe")
        #expect(model.canEdit)
        online.withLock { $0 = false }
        let again = PocDetailViewModel(pocID: "p1", repository: harness.pocs)
        await again.load()
        #expect(again.state == .content)
        #expect(again.staleSince != nil)
        #expect(!again.canEdit)  // no edits on stale data
        let unknown = PocDetailViewModel(pocID: "p2", repository: harness.pocs)
        await unknown.load()
        #expect(unknown.state == .offline)
    }

    @Test func notFound() async {
        let harness = Harness { _, _, _, _ in throw apiError(404, "not_found") }
        let model = PocDetailViewModel(pocID: "gone", repository: harness.pocs)
        await model.load()
        #expect(model.state == .error(ErrorMessage(kind: .notFound, code: "not_found", serverMessage: "msg not_found")))
    }

    @Test func deleteOffersUndoThenRestores() async {
        let harness = Harness { method, path, _, _ in
            switch (method, path) {
            case ("DELETE", "/api/v1/pocs/p1"): return ""
            case ("POST", "/api/v1/pocs/p1/restore"): return Fixture.poc("p1", name: "Back")
            case (_, "/api/v1/pocs/p1/attachments"): return "[]"
            default: return Fixture.poc("p1")
            }
        }
        let sleeper = ManualSleeper()
        let model = PocDetailViewModel(pocID: "p1", repository: harness.pocs, undoWindow: .seconds(8), sleeper: sleeper.sleeper)
        await model.load()
        await model.delete()
        #expect(model.pendingUndo?.pocID == "p1")
        #expect(!model.isDeleted)
        #expect(await sleeper.waitForSleepers(1))
        #expect(sleeper.pending == [.seconds(8)])
        await model.undoDelete()
        #expect(model.pendingUndo == nil)
        #expect(!model.isDeleted)
        #expect(model.poc?.name == "Back")
        #expect(harness.api.calls.contains("POST /api/v1/pocs/p1/restore"))
        await model.settleUndo()
        #expect(!model.isDeleted)  // the cancelled window does not delete it after all
    }

    @Test func theUndoWindowClosesAndThePocIsGone() async {
        let harness = Harness { method, path, _, _ in
            if method == "DELETE" { return "" }
            if path.hasSuffix("/attachments") { return "[]" }
            return Fixture.poc("p1")
        }
        let sleeper = ManualSleeper()
        let model = PocDetailViewModel(pocID: "p1", repository: harness.pocs, sleeper: sleeper.sleeper)
        await model.load()
        await model.delete()
        #expect(await sleeper.waitForSleepers(1))
        sleeper.advance()
        await model.settleUndo()
        #expect(model.isDeleted)
        #expect(model.pendingUndo == nil)
        #expect(!harness.api.calls.contains { $0.contains("restore") })
        // The cached copy went with it.
        #expect(harness.cache.poc(id: "p1", scope: "org-1-user-1") == nil)
    }

    @Test func uploadReportsProgressAndAddsTheAttachment() async {
        let harness = Harness { method, path, _, body in
            switch (method, path) {
            case ("POST", "/api/v1/pocs/p1/attachments"):
                let request = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
                #expect(request["size"] == .number(400))
                #expect(request["filename"] == .string("notes.pdf"))
                return #"{"id":"a1","filename":"notes.pdf","content_type":"application/pdf","size":400,"state":"pending","uploaded_by":"u","created_at":"2026-12-06T10:00:00Z","upload":{"method":"PUT","url":"http://s3.test/k","headers":{},"expires_at":"2026-12-06T11:00:00Z"}}"#
            case ("POST", "/api/v1/pocs/p1/attachments/a1/complete"):
                return #"{"id":"a1","filename":"notes.pdf","content_type":"application/pdf","size":400,"state":"ready","uploaded_by":"u","created_at":"2026-12-06T10:00:00Z"}"#
            case (_, "/api/v1/pocs/p1/attachments"): return "[]"
            default: return Fixture.poc("p1")
            }
        }
        let model = PocDetailViewModel(pocID: "p1", repository: harness.pocs)
        await model.load()
        await model.upload(filename: "notes.pdf", contentType: "application/pdf", data: Data(count: 400))
        #expect(model.attachments.map(\.id) == ["a1"])
        #expect(model.attachments.first?.isReady == true)
        #expect(model.uploads.isEmpty)  // done uploads leave the list
        #expect(harness.api.calls.suffix(2) == ["POST /api/v1/pocs/p1/attachments", "POST /api/v1/pocs/p1/attachments/a1/complete"])
    }

    @Test func aFailedUploadStaysWithItsError() async {
        let harness = Harness { method, path, _, _ in
            if method == "POST" { throw apiError(413, "attachment_too_large") }
            if path.hasSuffix("/attachments") { return "[]" }
            return Fixture.poc("p1")
        }
        let model = PocDetailViewModel(pocID: "p1", repository: harness.pocs)
        await model.load()
        await model.upload(filename: "big.bin", contentType: "application/octet-stream", data: Data(count: 10))
        #expect(model.uploads.count == 1)
        #expect(model.uploads.first?.phase == .failed(ErrorMessage(kind: .server, code: "attachment_too_large", serverMessage: "msg attachment_too_large")))
    }
}

@Suite @MainActor struct PocEditorViewModelTests {
    @Test func clientValidationStopsAnEmptyName() async {
        let harness = Harness { _, _, _, _ in Fixture.poc("p1") }
        let model = PocEditorViewModel(repository: harness.pocs)
        model.draft.name = "   "
        #expect(await model.save() == nil)
        #expect(model.fieldErrors["name"] == .local(.required))
        #expect(harness.api.calls.isEmpty)
    }

    @Test func serverFieldErrorsLandOnTheirFields() async {
        let harness = Harness { _, _, _, _ in
            throw apiError(400, "validation_error", fields: ["repository_url": ["Enter a valid URL."], "links.0.url": ["Bad link."]])
        }
        let model = PocEditorViewModel(repository: harness.pocs)
        model.draft.name = "Nova"
        model.draft.repositoryURL = "nope"
        #expect(await model.save() == nil)
        #expect(model.error(for: "repository_url") == .server("Enter a valid URL."))
        #expect(model.error(for: "links") == .server("Bad link."))
        #expect(model.error(for: "name") == nil)
        #expect(model.error?.kind == .validation)
    }

    @Test func createThenEditSendsTheDraft() async throws {
        let bodies = Locked<[String: [String: JSONValue]]>([:])
        let harness = Harness { method, path, _, body in
            let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data("{}".utf8))
            bodies.withLock { $0["\(method) \(path)"] = object }
            return Fixture.poc("p9", name: object["name"]?.stringValue ?? "")
        }
        let model = PocEditorViewModel(repository: harness.pocs)
        model.draft.name = "  Nova  "
        model.languagesText = "swift, kotlin ,"
        model.tagsText = "mobile"
        let created = try #require(await model.save())
        #expect(created.name == "Nova")
        let sent = try #require(bodies.current["POST /api/v1/pocs"])
        #expect(sent["languages"] == .array([.string("swift"), .string("kotlin")]))
        #expect(sent["tags"] == .array([.string("mobile")]))

        let editor = PocEditorViewModel(repository: harness.pocs, editing: created)
        #expect(editor.mode == .edit(id: "p9"))
        editor.draft.summary = "mais"
        _ = await editor.save()
        #expect(bodies.current["PATCH /api/v1/pocs/p9"]?["summary"] == .string("mais"))
    }
}
