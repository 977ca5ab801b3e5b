import Foundation

/// One page of a cursor-paginated list (`{"results", "next"}`); a plain JSON array decodes as a
/// single last page, so lists that are not paginated use the same type.
public struct Page<Item: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var results: [Item]
    public var next: String?

    public init(results: [Item], next: String? = nil) {
        self.results = results
        self.next = next
    }

    public init(from decoder: Decoder) throws {
        if let items = try? decoder.singleValueContainer().decode([Item].self) {
            results = items
            next = nil
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        results = try container.decode([Item].self, forKey: .results)
        next = try container.decodeIfPresent(String.self, forKey: .next)
    }

    enum CodingKeys: String, CodingKey { case results, next }
}

public struct PocStatus: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let idea = PocStatus(rawValue: "idea")
    public static let inProgress = PocStatus(rawValue: "in_progress")
    public static let done = PocStatus(rawValue: "done")
    public static let abandoned = PocStatus(rawValue: "abandoned")
    public static let all: [PocStatus] = [.idea, .inProgress, .done, .abandoned]
}

public struct PocOutcome: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let validated = PocOutcome(rawValue: "validated")
    public static let invalidated = PocOutcome(rawValue: "invalidated")
    public static let inconclusive = PocOutcome(rawValue: "inconclusive")
    public static let all: [PocOutcome] = [.validated, .invalidated, .inconclusive]
}

public struct Visibility: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let team = Visibility(rawValue: "team")
    public static let `private` = Visibility(rawValue: "private")
    public static let invited = Visibility(rawValue: "invited")
}

public struct LanguageRef: Codable, Sendable, Hashable {
    public var slug: String
    public var name: String
    public var kind: String?
    public init(slug: String, name: String, kind: String? = nil) {
        self.slug = slug
        self.name = name
        self.kind = kind
    }
}

public struct TagRef: Codable, Sendable, Hashable {
    public var slug: String
    public var label: String
    public init(slug: String, label: String) {
        self.slug = slug
        self.label = label
    }
}

public struct PocLink: Codable, Sendable, Hashable {
    public var title: String?
    public var url: String
    public init(title: String? = nil, url: String) {
        self.title = title
        self.url = url
    }
}

public struct PersonRef: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// A POC as `GET /api/v1/pocs/{id}` (and the list) return it.
public struct Poc: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var summary: String
    public var description: String
    public var status: PocStatus
    public var hypothesis: String
    public var outcome: PocOutcome?
    public var learnings: String
    public var languages: [LanguageRef]
    public var tags: [TagRef]
    public var repositoryURL: String
    public var links: [PocLink]
    public var startedOn: String?
    public var finishedOn: String?
    public var visibility: Visibility
    public var author: PersonRef
    public var contributors: [String]
    public var canEdit: Bool
    public var createdAt: Date
    public var updatedAt: Date
    /// Only in `GET /api/v1/pocs/deleted`.
    public var deletedAt: Date?
    public var restorableUntil: Date?

    public init(id: String, name: String, summary: String = "", description: String = "",
                status: PocStatus = .idea, hypothesis: String = "", outcome: PocOutcome? = nil,
                learnings: String = "", languages: [LanguageRef] = [], tags: [TagRef] = [],
                repositoryURL: String = "", links: [PocLink] = [], startedOn: String? = nil,
                finishedOn: String? = nil, visibility: Visibility = .team, author: PersonRef,
                contributors: [String] = [], canEdit: Bool = true, createdAt: Date = Date(),
                updatedAt: Date = Date(), deletedAt: Date? = nil, restorableUntil: Date? = nil) {
        self.id = id
        self.name = name
        self.summary = summary
        self.description = description
        self.status = status
        self.hypothesis = hypothesis
        self.outcome = outcome
        self.learnings = learnings
        self.languages = languages
        self.tags = tags
        self.repositoryURL = repositoryURL
        self.links = links
        self.startedOn = startedOn
        self.finishedOn = finishedOn
        self.visibility = visibility
        self.author = author
        self.contributors = contributors
        self.canEdit = canEdit
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deletedAt = deletedAt
        self.restorableUntil = restorableUntil
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        summary = try c.decodeIfPresent(String.self, forKey: .summary) ?? ""
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        status = try c.decodeIfPresent(PocStatus.self, forKey: .status) ?? .idea
        hypothesis = try c.decodeIfPresent(String.self, forKey: .hypothesis) ?? ""
        let outcomeText = try c.decodeIfPresent(String.self, forKey: .outcome) ?? ""
        outcome = outcomeText.isEmpty ? nil : PocOutcome(rawValue: outcomeText)
        learnings = try c.decodeIfPresent(String.self, forKey: .learnings) ?? ""
        languages = try c.decodeIfPresent([LanguageRef].self, forKey: .languages) ?? []
        tags = try c.decodeIfPresent([TagRef].self, forKey: .tags) ?? []
        repositoryURL = try c.decodeIfPresent(String.self, forKey: .repositoryURL) ?? ""
        links = try c.decodeIfPresent([PocLink].self, forKey: .links) ?? []
        startedOn = try c.decodeIfPresent(String.self, forKey: .startedOn)
        finishedOn = try c.decodeIfPresent(String.self, forKey: .finishedOn)
        visibility = try c.decodeIfPresent(Visibility.self, forKey: .visibility) ?? .team
        author = try c.decode(PersonRef.self, forKey: .author)
        contributors = try c.decodeIfPresent([String].self, forKey: .contributors) ?? []
        canEdit = try c.decodeIfPresent(Bool.self, forKey: .canEdit) ?? false
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
        deletedAt = try c.decodeIfPresent(Date.self, forKey: .deletedAt)
        if let until = try? c.decodeIfPresent(String.self, forKey: .restorableUntil) {
            restorableUntil = PocdexJSON.parseDate(until)
        } else {
            restorableUntil = nil
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, name, summary, description, status, hypothesis, outcome, learnings, languages, tags, links
        case visibility, author, contributors
        case repositoryURL = "repository_url"
        case startedOn = "started_on"
        case finishedOn = "finished_on"
        case canEdit = "can_edit"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case deletedAt = "deleted_at"
        case restorableUntil = "restorable_until"
    }
}

/// The body of `POST /api/v1/pocs` and `PATCH /api/v1/pocs/{id}` (what the editor edits).
public struct PocDraft: Codable, Sendable, Hashable {
    public var name: String
    public var summary: String
    public var description: String
    public var status: PocStatus
    public var hypothesis: String
    public var outcome: PocOutcome?
    public var learnings: String
    public var languages: [String]
    public var tags: [String]
    public var repositoryURL: String
    public var links: [PocLink]
    public var startedOn: String?
    public var finishedOn: String?
    public var visibility: Visibility

    public init(name: String = "", summary: String = "", description: String = "", status: PocStatus = .idea,
                hypothesis: String = "", outcome: PocOutcome? = nil, learnings: String = "",
                languages: [String] = [], tags: [String] = [], repositoryURL: String = "",
                links: [PocLink] = [], startedOn: String? = nil, finishedOn: String? = nil,
                visibility: Visibility = .team) {
        self.name = name
        self.summary = summary
        self.description = description
        self.status = status
        self.hypothesis = hypothesis
        self.outcome = outcome
        self.learnings = learnings
        self.languages = languages
        self.tags = tags
        self.repositoryURL = repositoryURL
        self.links = links
        self.startedOn = startedOn
        self.finishedOn = finishedOn
        self.visibility = visibility
    }

    /// The draft of an existing POC (for editing).
    public init(_ poc: Poc) {
        self.init(name: poc.name, summary: poc.summary, description: poc.description, status: poc.status,
                  hypothesis: poc.hypothesis, outcome: poc.outcome, learnings: poc.learnings,
                  languages: poc.languages.map(\.slug), tags: poc.tags.map(\.label),
                  repositoryURL: poc.repositoryURL, links: poc.links, startedOn: poc.startedOn,
                  finishedOn: poc.finishedOn, visibility: poc.visibility)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(summary, forKey: .summary)
        try c.encode(description, forKey: .description)
        try c.encode(status, forKey: .status)
        try c.encode(hypothesis, forKey: .hypothesis)
        try c.encode(outcome?.rawValue ?? "", forKey: .outcome)
        try c.encode(learnings, forKey: .learnings)
        try c.encode(languages, forKey: .languages)
        try c.encode(tags, forKey: .tags)
        try c.encode(repositoryURL, forKey: .repositoryURL)
        try c.encode(links, forKey: .links)
        try c.encode(startedOn, forKey: .startedOn)
        try c.encode(finishedOn, forKey: .finishedOn)
        try c.encode(visibility, forKey: .visibility)
    }

    enum CodingKeys: String, CodingKey {
        case name, summary, description, status, hypothesis, outcome, learnings, languages, tags, links, visibility
        case repositoryURL = "repository_url"
        case startedOn = "started_on"
        case finishedOn = "finished_on"
    }
}

public struct PresignedRequest: Codable, Sendable, Hashable {
    public var method: String
    public var url: String
    public var headers: [String: String]
    public var expiresAt: Date?
    public init(method: String, url: String, headers: [String: String] = [:], expiresAt: Date? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.expiresAt = expiresAt
    }
    enum CodingKeys: String, CodingKey {
        case method, url, headers
        case expiresAt = "expires_at"
    }
}

public struct Attachment: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var filename: String
    public var contentType: String
    public var size: Int64
    public var state: String
    public var sha256: String?
    public var createdAt: Date?
    public var completedAt: Date?
    /// Present right after creation: where to PUT the bytes.
    public var upload: PresignedRequest?
    /// Present on `GET .../attachments/{id}` of a ready attachment.
    public var download: PresignedRequest?

    public var isReady: Bool { state == "ready" }

    public init(id: String, filename: String, contentType: String, size: Int64, state: String = "pending",
                sha256: String? = nil, createdAt: Date? = nil, completedAt: Date? = nil,
                upload: PresignedRequest? = nil, download: PresignedRequest? = nil) {
        self.id = id
        self.filename = filename
        self.contentType = contentType
        self.size = size
        self.state = state
        self.sha256 = sha256
        self.createdAt = createdAt
        self.completedAt = completedAt
        self.upload = upload
        self.download = download
    }

    enum CodingKeys: String, CodingKey {
        case id, filename, size, state, sha256, upload, download
        case contentType = "content_type"
        case createdAt = "created_at"
        case completedAt = "completed_at"
    }
}

public struct NewAttachment: Codable, Sendable, Hashable {
    public var filename: String
    public var contentType: String
    public var size: Int
    enum CodingKeys: String, CodingKey {
        case filename, size
        case contentType = "content_type"
    }
}

// MARK: - Search

public struct SearchSort: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let relevance = SearchSort(rawValue: "relevance")
    public static let recent = SearchSort(rawValue: "recent")
}

/// Filters of a search (the facets a person picked).
public struct SearchFilters: Sendable, Hashable {
    public var languages: [String]
    public var tags: [String]
    public var status: PocStatus?
    public var author: String?
    public var sort: SearchSort

    public init(languages: [String] = [], tags: [String] = [], status: PocStatus? = nil, author: String? = nil,
                sort: SearchSort = .relevance) {
        self.languages = languages
        self.tags = tags
        self.status = status
        self.author = author
        self.sort = sort
    }

    public var isEmpty: Bool { languages.isEmpty && tags.isEmpty && status == nil && author == nil }
}

public struct SearchHighlights: Codable, Sendable, Hashable {
    public var name: [String]?
    public var summary: [String]?
    public var description: [String]?
    public init(name: [String]? = nil, summary: [String]? = nil, description: [String]? = nil) {
        self.name = name
        self.summary = summary
        self.description = description
    }
}

public struct SearchHit: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var summary: String
    public var status: PocStatus
    public var languages: [String]
    public var tags: [String]
    public var tagLabels: [String]
    public var authorID: String
    public var authorName: String
    public var updatedAt: Date?
    public var highlights: SearchHighlights

    public init(id: String, name: String, summary: String = "", status: PocStatus = .idea,
                languages: [String] = [], tags: [String] = [], tagLabels: [String] = [],
                authorID: String = "", authorName: String = "", updatedAt: Date? = nil,
                highlights: SearchHighlights = SearchHighlights()) {
        self.id = id
        self.name = name
        self.summary = summary
        self.status = status
        self.languages = languages
        self.tags = tags
        self.tagLabels = tagLabels
        self.authorID = authorID
        self.authorName = authorName
        self.updatedAt = updatedAt
        self.highlights = highlights
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        summary = try c.decodeIfPresent(String.self, forKey: .summary) ?? ""
        status = try c.decodeIfPresent(PocStatus.self, forKey: .status) ?? .idea
        languages = try c.decodeIfPresent([String].self, forKey: .languages) ?? []
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        tagLabels = try c.decodeIfPresent([String].self, forKey: .tagLabels) ?? []
        authorID = try c.decodeIfPresent(String.self, forKey: .authorID) ?? ""
        authorName = try c.decodeIfPresent(String.self, forKey: .authorName) ?? ""
        updatedAt = try c.decodeIfPresent(Date.self, forKey: .updatedAt)
        highlights = try c.decodeIfPresent(SearchHighlights.self, forKey: .highlights) ?? SearchHighlights()
    }

    enum CodingKeys: String, CodingKey {
        case id, name, summary, status, languages, tags, highlights
        case tagLabels = "tag_labels"
        case authorID = "author_id"
        case authorName = "author_name"
        case updatedAt = "updated_at"
    }
}

public struct FacetBucket: Codable, Sendable, Hashable, Identifiable {
    public var value: String
    public var label: String?
    public var count: Int
    public var id: String { value }
    public init(value: String, label: String? = nil, count: Int) {
        self.value = value
        self.label = label
        self.count = count
    }
    /// What to show: the label when the server gives one (authors), else the value.
    public var title: String { label ?? value }
}

public struct SearchFacets: Codable, Sendable, Hashable {
    public var languages: [FacetBucket]
    public var tags: [FacetBucket]
    public var status: [FacetBucket]
    public var authors: [FacetBucket]
    public init(languages: [FacetBucket] = [], tags: [FacetBucket] = [], status: [FacetBucket] = [],
                authors: [FacetBucket] = []) {
        self.languages = languages
        self.tags = tags
        self.status = status
        self.authors = authors
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        languages = try c.decodeIfPresent([FacetBucket].self, forKey: .languages) ?? []
        tags = try c.decodeIfPresent([FacetBucket].self, forKey: .tags) ?? []
        status = try c.decodeIfPresent([FacetBucket].self, forKey: .status) ?? []
        authors = try c.decodeIfPresent([FacetBucket].self, forKey: .authors) ?? []
    }
    enum CodingKeys: String, CodingKey { case languages, tags, status, authors }
}

public struct SearchPage: Codable, Sendable, Hashable {
    public var results: [SearchHit]
    public var next: String?
    public var total: Int
    public var facets: SearchFacets
    public init(results: [SearchHit], next: String? = nil, total: Int? = nil, facets: SearchFacets = SearchFacets()) {
        self.results = results
        self.next = next
        self.total = total ?? results.count
        self.facets = facets
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        results = try c.decode([SearchHit].self, forKey: .results)
        next = try c.decodeIfPresent(String.self, forKey: .next)
        total = try c.decodeIfPresent(Int.self, forKey: .total) ?? results.count
        facets = try c.decodeIfPresent(SearchFacets.self, forKey: .facets) ?? SearchFacets()
    }
    enum CodingKeys: String, CodingKey { case results, next, total, facets }
}

public struct NameSuggestion: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
}

public struct Suggestions: Codable, Sendable, Hashable {
    public var names: [NameSuggestion]
    public var tags: [FacetBucket]
    public var languages: [FacetBucket]
    public init(names: [NameSuggestion] = [], tags: [FacetBucket] = [], languages: [FacetBucket] = []) {
        self.names = names
        self.tags = tags
        self.languages = languages
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        names = try c.decodeIfPresent([NameSuggestion].self, forKey: .names) ?? []
        tags = try c.decodeIfPresent([FacetBucket].self, forKey: .tags) ?? []
        languages = try c.decodeIfPresent([FacetBucket].self, forKey: .languages) ?? []
    }
    enum CodingKeys: String, CodingKey { case names, tags, languages }
    public var isEmpty: Bool { names.isEmpty && tags.isEmpty && languages.isEmpty }
}

public struct CatalogEntry: Codable, Sendable, Hashable, Identifiable {
    public var slug: String
    public var name: String?
    public var label: String?
    public var kind: String?
    public var count: Int
    public var id: String { slug }
    public var title: String { name ?? label ?? slug }
}
