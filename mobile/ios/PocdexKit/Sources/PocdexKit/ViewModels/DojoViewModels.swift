import Foundation
import Observation

/// The dojo lists (upcoming, live, past); facilitators start and end sessions from here.
@Observable @MainActor
public final class DojoListViewModel {
    public private(set) var selection: DojoListState = .upcoming
    public private(set) var dojos: [Dojo] = []
    public private(set) var state: ScreenState = .idle
    public private(set) var actionError: ErrorMessage?

    @ObservationIgnored private let repository: DojoRepository

    public init(repository: DojoRepository) {
        self.repository = repository
    }

    public func select(_ selection: DojoListState) async {
        guard selection != self.selection || state == .idle else { return }
        self.selection = selection
        dojos = []
        await load()
    }

    public func load() async {
        if dojos.isEmpty { state = .loading }
        let requested = selection
        do {
            let list = try await repository.dojos(requested)
            guard requested == selection else { return }
            dojos = list
            state = list.isEmpty ? .empty : .content
        } catch {
            guard requested == selection else { return }
            let message = ErrorMessage(error)
            if dojos.isEmpty { state = message.isOffline ? .offline : .error(message) } else { actionError = message }
        }
    }

    public func refresh() async { await load() }

    /// Starts a scheduled dojo (facilitator); returns it live, ready to join.
    public func start(_ dojo: Dojo) async -> Dojo? {
        do {
            let live = try await repository.start(id: dojo.id)
            if let index = dojos.firstIndex(where: { $0.id == dojo.id }) { dojos[index] = live }
            return live
        } catch {
            actionError = ErrorMessage(error)
            return nil
        }
    }

    public func end(_ dojo: Dojo) async {
        do {
            let ended = try await repository.end(id: dojo.id)
            if let index = dojos.firstIndex(where: { $0.id == dojo.id }) { dojos[index] = ended }
        } catch {
            actionError = ErrorMessage(error)
        }
    }

    public func added(_ dojo: Dojo) {
        if selection == .upcoming {
            dojos.append(dojo)
            dojos.sort { $0.scheduledAt < $1.scheduledAt }
            state = .content
        }
    }

    public func dismissError() { actionError = nil }
}

/// Scheduling a dojo.
@Observable @MainActor
public final class DojoScheduleViewModel {
    public var draft: DojoDraft
    public private(set) var fieldErrors: [String: FieldError] = [:]
    public private(set) var error: ErrorMessage?
    public private(set) var isSaving = false
    public private(set) var scheduled: Dojo?

    @ObservationIgnored private let repository: DojoRepository
    public static let rotationChoices = [3, 5, 7, 10, 15]

    public init(repository: DojoRepository, now: Date = Date(), pocID: String? = nil) {
        self.repository = repository
        // The next full hour.
        let next = (now.timeIntervalSince1970 / 3600).rounded(.down) * 3600 + 3600
        draft = DojoDraft(scheduledAt: Date(timeIntervalSince1970: next), pocID: pocID)
    }

    public func validate(now: Date = Date()) -> Bool {
        var errors = Validation.required([("title", draft.title), ("language", draft.language)])
        if draft.title.count > 200 { errors["title"] = .local(.tooLong) }
        fieldErrors = errors
        return errors.isEmpty
    }

    @discardableResult
    public func schedule() async -> Dojo? {
        guard !isSaving else { return nil }
        error = nil
        guard validate() else { return nil }
        isSaving = true
        defer { isSaving = false }
        do {
            var body = draft
            body.title = body.title.trimmingCharacters(in: .whitespacesAndNewlines)
            scheduled = try await repository.schedule(body)
            return scheduled
        } catch {
            self.error = ErrorMessage(error)
            fieldErrors = FieldError.from(error)
            return nil
        }
    }
}
