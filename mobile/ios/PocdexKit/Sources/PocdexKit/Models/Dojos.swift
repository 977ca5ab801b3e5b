import Foundation

public struct DojoStatus: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let scheduled = DojoStatus(rawValue: "scheduled")
    public static let live = DojoStatus(rawValue: "live")
    public static let ended = DojoStatus(rawValue: "ended")
}

/// The three lists of `GET /api/v1/dojos?state=`.
public enum DojoListState: String, Sendable, Hashable, CaseIterable {
    case upcoming, live, past
}

public struct Dojo: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var title: String
    public var kata: String
    public var language: String
    public var rotationMinutes: Int
    public var scheduledAt: Date
    public var pocID: String?
    public var visibility: Visibility
    public var invitees: [String]
    public var copilotoMayEdit: Bool
    public var facilitator: PersonRef
    public var status: DojoStatus
    public var startedAt: Date?
    public var endedAt: Date?
    public var canRun: Bool
    public var retrospective: JSONValue?

    public init(id: String, title: String, kata: String = "", language: String, rotationMinutes: Int = 5,
                scheduledAt: Date, pocID: String? = nil, visibility: Visibility = .team, invitees: [String] = [],
                copilotoMayEdit: Bool = false, facilitator: PersonRef, status: DojoStatus = .scheduled,
                startedAt: Date? = nil, endedAt: Date? = nil, canRun: Bool = false, retrospective: JSONValue? = nil) {
        self.id = id
        self.title = title
        self.kata = kata
        self.language = language
        self.rotationMinutes = rotationMinutes
        self.scheduledAt = scheduledAt
        self.pocID = pocID
        self.visibility = visibility
        self.invitees = invitees
        self.copilotoMayEdit = copilotoMayEdit
        self.facilitator = facilitator
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.canRun = canRun
        self.retrospective = retrospective
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        kata = try c.decodeIfPresent(String.self, forKey: .kata) ?? ""
        language = try c.decodeIfPresent(String.self, forKey: .language) ?? ""
        rotationMinutes = try c.decodeIfPresent(Int.self, forKey: .rotationMinutes) ?? 5
        scheduledAt = try c.decode(Date.self, forKey: .scheduledAt)
        pocID = try c.decodeIfPresent(String.self, forKey: .pocID)
        visibility = try c.decodeIfPresent(Visibility.self, forKey: .visibility) ?? .team
        invitees = try c.decodeIfPresent([String].self, forKey: .invitees) ?? []
        copilotoMayEdit = try c.decodeIfPresent(Bool.self, forKey: .copilotoMayEdit) ?? false
        facilitator = try c.decode(PersonRef.self, forKey: .facilitator)
        status = try c.decodeIfPresent(DojoStatus.self, forKey: .status) ?? .scheduled
        startedAt = try c.decodeIfPresent(Date.self, forKey: .startedAt)
        endedAt = try c.decodeIfPresent(Date.self, forKey: .endedAt)
        canRun = try c.decodeIfPresent(Bool.self, forKey: .canRun) ?? false
        retrospective = try c.decodeIfPresent(JSONValue.self, forKey: .retrospective)
    }

    enum CodingKeys: String, CodingKey {
        case id, title, kata, language, visibility, invitees, facilitator, status, retrospective
        case rotationMinutes = "rotation_minutes"
        case scheduledAt = "scheduled_at"
        case pocID = "poc_id"
        case copilotoMayEdit = "copiloto_may_edit"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case canRun = "can_run"
    }
}

/// The body of `POST /api/v1/dojos` (scheduling).
public struct DojoDraft: Codable, Sendable, Hashable {
    public var title: String
    public var kata: String
    public var language: String
    public var rotationMinutes: Int
    public var scheduledAt: Date
    public var pocID: String?
    public var visibility: Visibility
    public var copilotoMayEdit: Bool

    public init(title: String = "", kata: String = "", language: String = "", rotationMinutes: Int = 5,
                scheduledAt: Date = Date().addingTimeInterval(3600), pocID: String? = nil,
                visibility: Visibility = .team, copilotoMayEdit: Bool = false) {
        self.title = title
        self.kata = kata
        self.language = language
        self.rotationMinutes = rotationMinutes
        self.scheduledAt = scheduledAt
        self.pocID = pocID
        self.visibility = visibility
        self.copilotoMayEdit = copilotoMayEdit
    }

    enum CodingKeys: String, CodingKey {
        case title, kata, language, visibility
        case rotationMinutes = "rotation_minutes"
        case scheduledAt = "scheduled_at"
        case pocID = "poc_id"
        case copilotoMayEdit = "copiloto_may_edit"
    }
}

/// `POST /api/v1/dojos/{id}/ticket`: a one-time ticket and the WebSocket path to open with it.
public struct DojoTicket: Codable, Sendable, Hashable {
    public var ticket: String
    public var expiresIn: Int
    public var url: String
    enum CodingKeys: String, CodingKey {
        case ticket, url
        case expiresIn = "expires_in"
    }
}

public struct DojoParticipant: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var joinedAt: Date?
    public var secondsAsPiloto: Int?
    public var turnsAsPiloto: Int?
    enum CodingKeys: String, CodingKey {
        case id, name
        case joinedAt = "joined_at"
        case secondsAsPiloto = "seconds_as_piloto"
        case turnsAsPiloto = "turns_as_piloto"
    }
}

public struct ReplaySnapshot: Codable, Sendable, Hashable {
    public var revision: Int
    public var seq: Int
    public var at: Date
    public var document: String
}

/// `GET /api/v1/dojos/{id}/replay`: the session's document and its sequenced events.
public struct DojoReplay: Codable, Sendable, Hashable {
    public var dojo: Dojo
    public var seq: Int
    public var revision: Int
    public var document: String
    public var snapshots: [ReplaySnapshot]
    public var events: [JSONValue]
    public var nextAfterSeq: Int?
    enum CodingKeys: String, CodingKey {
        case dojo, seq, revision, document, snapshots, events
        case nextAfterSeq = "next_after_seq"
    }
}
