import Foundation
import Observation

/// Reports (PDF/CSV for a period) and the year-in-review video: request, follow the progress
/// (bounded polling), then open or share the files.
@Observable @MainActor
public final class ReportsViewModel {
    public var kind: JobKind = .report
    public var from: Date
    public var to: Date
    public var scope = "me"
    public var formats: Set<String> = ["pdf", "csv"]
    public var language: AppLanguage
    public var year: Int
    public var videoFormat = "vertical"

    public private(set) var jobs: [MediaJob] = []
    public private(set) var state: ScreenState = .idle
    /// The job being followed (its progress moves until it succeeds or fails).
    public private(set) var activeJob: MediaJob?
    public private(set) var isRequesting = false
    public private(set) var error: ErrorMessage?
    public private(set) var fieldErrors: [String: FieldError] = [:]

    @ObservationIgnored private let repository: MediaRepository
    @ObservationIgnored private let sleeper: Sleeper
    @ObservationIgnored public let pollInterval: Duration
    @ObservationIgnored public let maxPolls: Int
    @ObservationIgnored private var pollTask: Task<Void, Never>?

    public init(repository: MediaRepository, language: AppLanguage = .english, now: Date = Date(),
                pollInterval: Duration = .seconds(1), maxPolls: Int = 600, sleeper: Sleeper = .live) {
        self.repository = repository
        self.language = language
        self.sleeper = sleeper
        self.pollInterval = pollInterval
        self.maxPolls = maxPolls
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let currentYear = calendar.component(.year, from: now)
        year = currentYear
        to = now
        from = calendar.date(from: DateComponents(year: currentYear, month: 1, day: 1)) ?? now
    }

    public func load() async {
        if jobs.isEmpty { state = .loading }
        do {
            async let reports = repository.jobs(kind: .report)
            async let videos = repository.jobs(kind: .video)
            let all = try await reports + videos
            jobs = all.sorted { ($0.createdAt ?? .distantPast) > ($1.createdAt ?? .distantPast) }
            state = jobs.isEmpty ? .empty : .content
            if let running = jobs.first(where: { !$0.status.isFinished }), activeJob == nil { follow(running) }
        } catch {
            let message = ErrorMessage(error)
            if jobs.isEmpty { state = message.isOffline ? .offline : .error(message) } else { self.error = message }
        }
    }

    public func request() async {
        guard !isRequesting else { return }
        error = nil
        fieldErrors = [:]
        if kind == .report {
            if formats.isEmpty { fieldErrors["formats"] = .local(.required) }
            if from > to { fieldErrors["from"] = .local(.invalidRange) }
        }
        guard fieldErrors.isEmpty else { return }
        isRequesting = true
        defer { isRequesting = false }
        do {
            let job: MediaJob
            if kind == .report {
                job = try await repository.requestReport(ReportRequest(
                    scope: scope, from: PocdexJSON.day(from), to: PocdexJSON.day(to),
                    language: language.mediaCode, formats: formats.sorted()))
            } else {
                job = try await repository.requestVideo(VideoRequest(year: year, scope: scope, format: videoFormat,
                                                                     language: language.mediaCode))
            }
            upsert(job)
            state = .content
            follow(job)
        } catch {
            self.error = ErrorMessage(error)
            fieldErrors = FieldError.from(error)
        }
    }

    /// Polls a job until it finishes (bounded by `maxPolls`).
    public func follow(_ job: MediaJob) {
        pollTask?.cancel()
        activeJob = job
        guard !job.status.isFinished else { return }
        let repository = repository
        let sleeper = sleeper
        let interval = pollInterval
        let maxPolls = maxPolls
        pollTask = Task { [weak self] in
            var current = job
            var polls = 0
            while !current.status.isFinished, polls < maxPolls {
                do { try await sleeper(interval) } catch { return }
                polls += 1
                guard !Task.isCancelled else { return }
                do {
                    current = try await repository.job(kind: job.kind, id: job.id)
                } catch {
                    let message = ErrorMessage(error)
                    if message.isOffline { continue }
                    self?.error = message
                    return
                }
                guard let self else { return }
                self.activeJob = current
                self.upsert(current)
            }
        }
    }

    /// Waits until the followed job finished (or polling stopped).
    public func settle() async { await pollTask?.value }

    private func upsert(_ job: MediaJob) {
        if let index = jobs.firstIndex(where: { $0.id == job.id }) { jobs[index] = job } else { jobs.insert(job, at: 0) }
        if activeJob?.id == job.id { activeJob = job }
    }

    /// The file's presigned link (open in the browser, QuickLook, the video player, ShareLink).
    public func url(of file: JobFile) -> URL? { URL(string: file.url) }

    /// Downloads a file into the temporary directory (to share it as a file).
    public func download(_ file: JobFile) async -> URL? {
        do {
            let data = try await repository.download(file)
            let target = FileManager.default.temporaryDirectory.appendingPathComponent(file.filename)
            try data.write(to: target, options: .atomic)
            return target
        } catch {
            self.error = ErrorMessage(error)
            return nil
        }
    }

    public func stop() {
        pollTask?.cancel()
        pollTask = nil
    }
}
