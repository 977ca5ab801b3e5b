import Foundation
import Observation

/// The POC list: cursor paging, pull to refresh, the offline cache when there is no network.
@Observable @MainActor
public final class PocListViewModel {
    public private(set) var pocs: [Poc] = []
    public private(set) var state: ScreenState = .idle
    /// When the shown list came from the offline cache: when it was fetched.
    public private(set) var staleSince: Date?
    public private(set) var isRefreshing = false
    public private(set) var isLoadingMore = false
    /// A failure loading the next page (the list stays).
    public private(set) var pageError: ErrorMessage?
    public private(set) var nextCursor: String?
    public var filters = SearchFilters()

    @ObservationIgnored private let repository: PocRepository
    @ObservationIgnored private let pageSize: Int

    public init(repository: PocRepository, pageSize: Int = 20) {
        self.repository = repository
        self.pageSize = pageSize
    }

    public var hasMore: Bool { nextCursor != nil }

    /// First load (shows `loading` when nothing is on screen yet).
    public func load() async {
        if pocs.isEmpty { state = .loading }
        await fetchFirstPage()
    }

    /// Pull to refresh: the list stays on screen while it reloads.
    public func refresh() async {
        isRefreshing = true
        defer { isRefreshing = false }
        await fetchFirstPage()
    }

    private func fetchFirstPage() async {
        do {
            let loaded = try await repository.page(cursor: nil, limit: pageSize, filters: filters)
            pocs = loaded.value.results
            nextCursor = loaded.value.next
            if case .cache(let savedAt) = loaded.source { staleSince = savedAt } else { staleSince = nil }
            pageError = nil
            state = pocs.isEmpty ? .empty : .content
        } catch {
            let message = ErrorMessage(error)
            if !pocs.isEmpty {
                // Keep what is shown; say it may be old.
                if message.isOffline, staleSince == nil { staleSince = Date() }
                pageError = message
                state = .content
            } else {
                state = message.isOffline ? .offline : .error(message)
            }
        }
    }

    /// Call from each row's `onAppear`: loads the next page when the last rows appear.
    public func loadMoreIfNeeded(current poc: Poc) async {
        guard let index = pocs.firstIndex(where: { $0.id == poc.id }), index >= pocs.count - 3 else { return }
        await loadMore()
    }

    public func loadMore() async {
        guard let cursor = nextCursor, !isLoadingMore else { return }
        isLoadingMore = true
        defer { isLoadingMore = false }
        do {
            let loaded = try await repository.page(cursor: cursor, limit: pageSize, filters: filters)
            let known = Set(pocs.map(\.id))
            pocs += loaded.value.results.filter { !known.contains($0.id) }
            nextCursor = loaded.value.next
            pageError = nil
        } catch {
            pageError = ErrorMessage(error)
        }
    }

    /// Applies a change made elsewhere (editor saved, detail deleted or restored).
    public func apply(saved poc: Poc) {
        if let index = pocs.firstIndex(where: { $0.id == poc.id }) {
            pocs[index] = poc
        } else {
            pocs.insert(poc, at: 0)
        }
        state = .content
    }

    public func remove(id: String) {
        pocs.removeAll { $0.id == id }
        if pocs.isEmpty, state == .content { state = .empty }
    }
}

/// Search as you type: debounced (≤ 100 ms, injectable sleeper), each keystroke cancels the
/// previous search, suggestions while typing, facet filters, highlighted matches, paging.
@Observable @MainActor
public final class SearchViewModel {
    public var query = "" {
        didSet { if query != oldValue { scheduleSearch() } }
    }
    public private(set) var filters = SearchFilters()
    public private(set) var results: [SearchHit] = []
    public private(set) var total = 0
    public private(set) var facets = SearchFacets()
    public private(set) var suggestions = Suggestions()
    public private(set) var state: ScreenState = .idle
    public private(set) var nextCursor: String?
    public private(set) var isLoadingMore = false
    /// The query (trimmed) the shown results answer.
    public private(set) var resultsQuery: String?
    /// How many searches reached the platform (a debounce measure for tests and benchmarks).
    public private(set) var searchesSent = 0

    @ObservationIgnored private let repository: SearchRepository
    @ObservationIgnored private let sleeper: Sleeper
    @ObservationIgnored public let debounce: Duration
    @ObservationIgnored private var searchTask: Task<Void, Never>?
    @ObservationIgnored private var generation = 0

    public init(repository: SearchRepository, debounce: Duration = .milliseconds(80), sleeper: Sleeper = .live) {
        self.repository = repository
        self.debounce = min(debounce, .milliseconds(100))
        self.sleeper = sleeper
    }

    public var trimmedQuery: String { query.trimmingCharacters(in: .whitespacesAndNewlines) }

    public func toggleLanguage(_ value: String) {
        if let index = filters.languages.firstIndex(of: value) { filters.languages.remove(at: index) } else { filters.languages.append(value) }
        searchNow()
    }

    public func toggleTag(_ value: String) {
        if let index = filters.tags.firstIndex(of: value) { filters.tags.remove(at: index) } else { filters.tags.append(value) }
        searchNow()
    }

    public func setStatus(_ status: PocStatus?) {
        filters.status = status
        searchNow()
    }

    public func setAuthor(_ author: String?) {
        filters.author = author
        searchNow()
    }

    public func setSort(_ sort: SearchSort) {
        filters.sort = sort
        searchNow()
    }

    public func clearFilters() {
        filters = SearchFilters(sort: filters.sort)
        searchNow()
    }

    /// A suggestion was tapped: a name opens its POC (the view navigates); a tag or a language
    /// becomes a filter.
    public func applySuggestedTag(_ value: String) {
        query = ""
        toggleTag(value)
    }

    public func applySuggestedLanguage(_ value: String) {
        query = ""
        toggleLanguage(value)
    }

    /// Debounced search after a keystroke.
    func scheduleSearch() {
        start(debounced: true)
    }

    /// Search at once (a filter changed, the person pressed return).
    public func searchNow() {
        start(debounced: false)
    }

    /// Waits until the current search (debounce included) is over.
    public func settle() async {
        await searchTask?.value
    }

    private func start(debounced: Bool) {
        searchTask?.cancel()
        generation += 1
        let generation = generation
        let text = trimmedQuery
        let filters = filters
        if text.isEmpty && filters.isEmpty {
            results = []
            total = 0
            facets = SearchFacets()
            suggestions = Suggestions()
            nextCursor = nil
            resultsQuery = nil
            state = .idle
            searchTask = nil
            return
        }
        let repository = repository
        let sleeper = sleeper
        let debounce = debounce
        searchTask = Task { [weak self] in
            if debounced {
                do { try await sleeper(debounce) } catch { return }
            }
            guard !Task.isCancelled, let self, self.generation == generation else { return }
            if self.results.isEmpty { self.state = .loading }
            self.searchesSent += 1
            async let page = repository.search(text, filters: filters)
            async let suggested: Suggestions? = text.isEmpty ? nil : try? await repository.suggest(text)
            do {
                let (found, suggestions) = try await (page, suggested)
                guard !Task.isCancelled, self.generation == generation else { return }
                self.results = found.results
                self.total = found.total
                self.facets = found.facets
                self.nextCursor = found.next
                self.suggestions = suggestions ?? Suggestions()
                self.resultsQuery = text
                self.state = found.results.isEmpty ? .empty : .content
            } catch {
                guard !Task.isCancelled, self.generation == generation else { return }
                let message = ErrorMessage(error)
                if message.kind == .unexpected, case .cancelled = APIError.from(transport: error) { return }
                self.state = message.isOffline ? .offline : .error(message)
            }
        }
    }

    public func loadMoreIfNeeded(current hit: SearchHit) async {
        guard let index = results.firstIndex(where: { $0.id == hit.id }), index >= results.count - 3 else { return }
        await loadMore()
    }

    public func loadMore() async {
        guard let cursor = nextCursor, !isLoadingMore, let text = resultsQuery else { return }
        isLoadingMore = true
        defer { isLoadingMore = false }
        let generation = generation
        do {
            let page = try await repository.search(text, filters: filters, cursor: cursor)
            guard self.generation == generation else { return }
            let known = Set(results.map(\.id))
            results += page.results.filter { !known.contains($0.id) }
            nextCursor = page.next
        } catch {
            // The shown results stay; the next scroll tries again.
        }
    }

    /// Highlighted name of a hit (falls back to the plain name).
    public nonisolated static func highlightedName(_ hit: SearchHit) -> HighlightedText {
        if let fragment = hit.highlights.name?.first { return HighlightedText(fragment: fragment) }
        return HighlightedText(segments: [.init(text: hit.name, isMatch: false)])
    }

    /// The best highlighted snippet of a hit (summary, then description), or its summary.
    public nonisolated static func highlightedSnippet(_ hit: SearchHit) -> HighlightedText {
        if let fragment = hit.highlights.summary?.first ?? hit.highlights.description?.first {
            return HighlightedText(fragment: fragment)
        }
        return HighlightedText(segments: [.init(text: hit.summary, isMatch: false)])
    }
}

/// An upload shown in the detail screen.
public struct AttachmentUpload: Sendable, Hashable, Identifiable {
    public enum Phase: Sendable, Hashable {
        case uploading
        case done
        case failed(ErrorMessage)
    }
    public let id: UUID
    public var filename: String
    public var fraction: Double
    public var phase: Phase
}

/// A POC's detail: content (cached offline), attachments with upload progress, delete with undo.
@Observable @MainActor
public final class PocDetailViewModel {
    /// A deletion that can still be undone (the platform keeps the POC restorable for days; the
    /// app offers Undo for `undoWindow`).
    public struct PendingUndo: Sendable, Hashable {
        public var pocID: String
        public var name: String
    }

    public let pocID: String
    public private(set) var poc: Poc?
    public private(set) var state: ScreenState = .idle
    public private(set) var staleSince: Date?
    public private(set) var attachments: [Attachment] = []
    public private(set) var uploads: [AttachmentUpload] = []
    public private(set) var pendingUndo: PendingUndo?
    /// The POC is gone (deleted and the undo window passed): the view pops.
    public private(set) var isDeleted = false
    public private(set) var actionError: ErrorMessage?
    public private(set) var isWorking = false

    @ObservationIgnored private let repository: PocRepository
    @ObservationIgnored private let sleeper: Sleeper
    @ObservationIgnored public let undoWindow: Duration
    @ObservationIgnored private var undoTask: Task<Void, Never>?

    public init(pocID: String, repository: PocRepository, undoWindow: Duration = .seconds(8), sleeper: Sleeper = .live) {
        self.pocID = pocID
        self.repository = repository
        self.undoWindow = undoWindow
        self.sleeper = sleeper
    }

    public var canEdit: Bool { (poc?.canEdit ?? false) && staleSince == nil }

    public func load() async {
        if poc == nil { state = .loading }
        do {
            let loaded = try await repository.poc(id: pocID)
            poc = loaded.value
            if case .cache(let savedAt) = loaded.source { staleSince = savedAt } else { staleSince = nil }
            state = .content
            if staleSince == nil {
                attachments = (try? await repository.attachments(pocID: pocID)) ?? attachments
            }
        } catch {
            let message = ErrorMessage(error)
            if poc != nil {
                actionError = message
            } else {
                state = message.isOffline ? .offline : .error(message)
            }
        }
    }

    /// The editor saved: show the new version.
    public func apply(saved: Poc) {
        poc = saved
        state = .content
    }

    /// Uploads a file (create → PUT to the presigned URL with progress → complete).
    public func upload(filename: String, contentType: String, data: Data) async {
        let upload = AttachmentUpload(id: UUID(), filename: filename, fraction: 0, phase: .uploading)
        uploads.append(upload)
        func update(_ change: (inout AttachmentUpload) -> Void) {
            if let index = uploads.firstIndex(where: { $0.id == upload.id }) { change(&uploads[index]) }
        }
        do {
            for try await event in repository.uploadAttachment(pocID: pocID, filename: filename,
                                                                contentType: contentType, data: data) {
                switch event {
                case .created:
                    break
                case .progress(let progress):
                    update { $0.fraction = max($0.fraction, progress.fraction) }
                case .completed(let attachment):
                    update {
                        $0.fraction = 1
                        $0.phase = .done
                    }
                    attachments.removeAll { $0.id == attachment.id }
                    attachments.append(attachment)
                }
            }
            uploads.removeAll { $0.id == upload.id && $0.phase == .done }
        } catch {
            update { $0.phase = .failed(ErrorMessage(error)) }
        }
    }

    public func dismissUpload(_ id: UUID) { uploads.removeAll { $0.id == id } }

    public func deleteAttachment(_ attachment: Attachment) async {
        do {
            try await repository.deleteAttachment(pocID: pocID, id: attachment.id)
            attachments.removeAll { $0.id == attachment.id }
        } catch {
            actionError = ErrorMessage(error)
        }
    }

    /// A short-lived download link for an attachment (open in QuickLook / share).
    public func downloadURL(for attachment: Attachment) async -> URL? {
        do {
            return try await repository.attachmentDownload(pocID: pocID, id: attachment.id)
        } catch {
            actionError = ErrorMessage(error)
            return nil
        }
    }

    /// Deletes the POC and offers Undo for `undoWindow`.
    public func delete() async {
        guard let poc, !isWorking else { return }
        isWorking = true
        defer { isWorking = false }
        do {
            try await repository.delete(id: poc.id)
            pendingUndo = PendingUndo(pocID: poc.id, name: poc.name)
            undoTask?.cancel()
            let sleeper = sleeper
            let window = undoWindow
            undoTask = Task { [weak self] in
                do { try await sleeper(window) } catch { return }
                guard !Task.isCancelled, let self, self.pendingUndo != nil else { return }
                self.pendingUndo = nil
                self.isDeleted = true
            }
        } catch {
            actionError = ErrorMessage(error)
        }
    }

    /// Restores the POC deleted a moment ago.
    public func undoDelete() async {
        guard let pending = pendingUndo else { return }
        undoTask?.cancel()
        isWorking = true
        defer { isWorking = false }
        do {
            poc = try await repository.restore(id: pending.pocID)
            pendingUndo = nil
            isDeleted = false
            state = .content
        } catch {
            actionError = ErrorMessage(error)
        }
    }

    /// Waits for the undo window to close (tests; the view just observes `isDeleted`).
    public func settleUndo() async { await undoTask?.value }

    public func dismissError() { actionError = nil }
}

/// Create or edit a POC; the platform's field errors land on their fields.
@Observable @MainActor
public final class PocEditorViewModel {
    public enum Mode: Sendable, Hashable {
        case create
        case edit(id: String)
    }

    public let mode: Mode
    public var draft: PocDraft
    public private(set) var fieldErrors: [String: FieldError] = [:]
    public private(set) var error: ErrorMessage?
    public private(set) var isSaving = false
    public private(set) var saved: Poc?
    public private(set) var languageSuggestions: [CatalogEntry] = []

    @ObservationIgnored private let repository: PocRepository
    public static let maxNameLength = 200

    public init(repository: PocRepository, editing poc: Poc? = nil) {
        self.repository = repository
        if let poc {
            mode = .edit(id: poc.id)
            draft = PocDraft(poc)
        } else {
            mode = .create
            draft = PocDraft()
        }
    }

    /// Languages as typed: "swift, kotlin".
    public var languagesText: String {
        get { draft.languages.joined(separator: ", ") }
        set { draft.languages = Self.split(newValue) }
    }

    public var tagsText: String {
        get { draft.tags.joined(separator: ", ") }
        set { draft.tags = Self.split(newValue) }
    }

    static func split(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The message for a field (the view shows it under that field).
    public func error(for field: String) -> FieldError? {
        fieldErrors[field] ?? fieldErrors.first { $0.key.hasPrefix(field + ".") }?.value
    }

    public func validate() -> Bool {
        var errors = Validation.required([("name", draft.name)])
        if draft.name.count > Self.maxNameLength { errors["name"] = .local(.tooLong) }
        fieldErrors = errors
        return errors.isEmpty
    }

    @discardableResult
    public func save() async -> Poc? {
        guard !isSaving else { return nil }
        error = nil
        guard validate() else { return nil }
        isSaving = true
        defer { isSaving = false }
        var body = draft
        body.name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            switch mode {
            case .create: saved = try await repository.create(body)
            case .edit(let id): saved = try await repository.update(id: id, body)
            }
            fieldErrors = [:]
            return saved
        } catch {
            self.error = ErrorMessage(error)
            fieldErrors = FieldError.from(error)
            return nil
        }
    }

    public func suggestLanguages(prefix: String) async {
        languageSuggestions = (try? await repository.languages(prefix: prefix)) ?? []
    }
}
