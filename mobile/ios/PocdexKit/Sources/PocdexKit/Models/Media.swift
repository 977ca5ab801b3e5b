import Foundation

public struct JobKind: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let report = JobKind(rawValue: "report")
    public static let video = JobKind(rawValue: "video")
}

public struct JobStatus: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let queued = JobStatus(rawValue: "queued")
    public static let running = JobStatus(rawValue: "running")
    public static let succeeded = JobStatus(rawValue: "succeeded")
    public static let failed = JobStatus(rawValue: "failed")
    public var isFinished: Bool { self == .succeeded || self == .failed }
}

public struct JobFile: Codable, Sendable, Hashable {
    public var format: String
    public var contentType: String
    public var size: Int
    public var filename: String
    public var url: String
    public var expiresAt: Date?
    public init(format: String, contentType: String, size: Int, filename: String, url: String, expiresAt: Date? = nil) {
        self.format = format
        self.contentType = contentType
        self.size = size
        self.filename = filename
        self.url = url
        self.expiresAt = expiresAt
    }
    enum CodingKeys: String, CodingKey {
        case format, size, filename, url
        case contentType = "content_type"
        case expiresAt = "expires_at"
    }
}

public struct JobError: Codable, Sendable, Hashable {
    public var code: String
    public var message: String
}

/// A report or year-video job of the media service.
public struct MediaJob: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var kind: JobKind
    public var status: JobStatus
    public var progress: Int
    public var scope: String
    public var language: String
    public var error: JobError?
    public var warnings: [String]
    public var files: [JobFile]
    public var createdAt: Date?
    public var finishedAt: Date?

    public init(id: String, kind: JobKind, status: JobStatus, progress: Int = 0, scope: String = "me",
                language: String = "en", error: JobError? = nil, warnings: [String] = [], files: [JobFile] = [],
                createdAt: Date? = nil, finishedAt: Date? = nil) {
        self.id = id
        self.kind = kind
        self.status = status
        self.progress = progress
        self.scope = scope
        self.language = language
        self.error = error
        self.warnings = warnings
        self.files = files
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        kind = try c.decode(JobKind.self, forKey: .kind)
        status = try c.decode(JobStatus.self, forKey: .status)
        progress = try c.decodeIfPresent(Int.self, forKey: .progress) ?? 0
        scope = try c.decodeIfPresent(String.self, forKey: .scope) ?? "me"
        language = try c.decodeIfPresent(String.self, forKey: .language) ?? "en"
        error = try? c.decodeIfPresent(JobError.self, forKey: .error)
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
        files = try c.decodeIfPresent([JobFile].self, forKey: .files) ?? []
        createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt)
        finishedAt = try c.decodeIfPresent(Date.self, forKey: .finishedAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, status, progress, scope, language, error, warnings, files
        case createdAt = "created_at"
        case finishedAt = "finished_at"
    }
}

public struct ReportRequest: Codable, Sendable, Hashable {
    public var scope: String
    public var from: String
    public var to: String
    public var language: String
    public var formats: [String]
    public init(scope: String = "me", from: String, to: String, language: String = "en", formats: [String] = ["pdf", "csv"]) {
        self.scope = scope
        self.from = from
        self.to = to
        self.language = language
        self.formats = formats
    }
}

public struct VideoRequest: Codable, Sendable, Hashable {
    public var year: Int
    public var scope: String
    public var format: String
    public var language: String
    public init(year: Int, scope: String = "me", format: String = "vertical", language: String = "en") {
        self.year = year
        self.scope = scope
        self.format = format
        self.language = language
    }
}
