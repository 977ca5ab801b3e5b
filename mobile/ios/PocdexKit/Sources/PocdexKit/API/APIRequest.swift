import Foundation

public struct HTTPMethod: RawRepresentable, Sendable, Hashable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let get = HTTPMethod(rawValue: "GET")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let delete = HTTPMethod(rawValue: "DELETE")
}

/// An empty answer (204, 202 without a body we need).
public struct NoContent: Codable, Sendable, Hashable {
    public init() {}
}

/// One call of the API: what to send and how to read the answer.
public struct APIRequest<Response: Sendable>: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var query: [(String, String)]
    public var body: Data?
    /// Sends the session's access token (and refreshes it once on a 401).
    public var authenticated: Bool
    public var decode: @Sendable (Data) throws -> Response

    public init(method: HTTPMethod, path: String, query: [(String, String)] = [], body: Data? = nil,
                authenticated: Bool = true, decode: @escaping @Sendable (Data) throws -> Response) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.authenticated = authenticated
        self.decode = decode
    }

    /// `GET /path?query` → decodes the JSON body.
    public var description: String {
        let q = query.isEmpty ? "" : "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        return "\(method.rawValue) \(path)\(q)"
    }
}

extension APIRequest where Response: Decodable {
    public init(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], authenticated: Bool = true) {
        self.init(method: method, path: path, query: query, body: nil, authenticated: authenticated) { data in
            try PocdexJSON.decoder().decode(Response.self, from: data)
        }
    }

    public init<Body: Encodable>(_ method: HTTPMethod, _ path: String, body: Body, authenticated: Bool = true) {
        let data = try? PocdexJSON.encoder().encode(body)
        self.init(method: method, path: path, query: [], body: data, authenticated: authenticated) { data in
            try PocdexJSON.decoder().decode(Response.self, from: data)
        }
    }
}

extension APIRequest where Response == NoContent {
    public static func empty(_ method: HTTPMethod, _ path: String, authenticated: Bool = true) -> APIRequest<NoContent> {
        APIRequest(method: method, path: path, authenticated: authenticated) { _ in NoContent() }
    }

    public static func empty<Body: Encodable>(_ method: HTTPMethod, _ path: String, body: Body,
                                              authenticated: Bool = true) -> APIRequest<NoContent> {
        APIRequest(method: method, path: path, body: try? PocdexJSON.encoder().encode(body),
                   authenticated: authenticated) { _ in NoContent() }
    }
}

/// Every endpoint the app calls, in one place.
public enum Endpoints {
    // MARK: accounts
    public static func login(_ body: LoginRequest) -> APIRequest<TokenPair> {
        APIRequest(.post, "/api/v1/auth/token", body: body, authenticated: false)
    }
    /// Public (no token): a new TOTP secret for a member the organization's two-factor rule keeps out.
    public static func startTOTPEnrollment(_ body: TOTPEnrollmentRequest) -> APIRequest<TOTPSetup> {
        APIRequest(.post, "/api/v1/auth/totp-enrollment", body: body, authenticated: false)
    }
    /// Public (no token): turns two-factor on with the first code; the recovery codes come once.
    public static func confirmTOTPEnrollment(_ body: TOTPEnrollmentRequest) -> APIRequest<RecoveryCodes> {
        APIRequest(.post, "/api/v1/auth/totp-enrollment/confirm", body: body, authenticated: false)
    }
    public static func refresh(_ refreshToken: String) -> APIRequest<TokenPair> {
        APIRequest(.post, "/api/v1/auth/refresh", body: ["refresh": refreshToken], authenticated: false)
    }
    public static func logout(_ refreshToken: String) -> APIRequest<NoContent> {
        .empty(.post, "/api/v1/auth/logout", body: ["refresh": refreshToken], authenticated: false)
    }
    public static func signup(_ body: SignupRequest) -> APIRequest<SignupOutcome> {
        APIRequest(.post, "/api/v1/signup", body: body, authenticated: false)
    }
    public static func createOrganization(_ body: CreateOrganizationRequest) -> APIRequest<SessionGrant> {
        APIRequest(.post, "/api/v1/organizations", body: body)
    }
    public static func verifyEmail(token: String) -> APIRequest<NoContent> {
        .empty(.post, "/api/v1/auth/verify-email", body: ["token": token], authenticated: false)
    }
    public static func resendVerification() -> APIRequest<NoContent> {
        .empty(.post, "/api/v1/me/verify-email")
    }
    public static func forgotPassword(email: String) -> APIRequest<NoContent> {
        .empty(.post, "/api/v1/auth/password-reset", body: ["email": email], authenticated: false)
    }
    public static func resetPassword(token: String, newPassword: String) -> APIRequest<NoContent> {
        .empty(.post, "/api/v1/auth/password-reset/confirm", body: ["token": token, "new_password": newPassword],
               authenticated: false)
    }
    public static func acceptInvitation(_ body: AcceptInvitationRequest) -> APIRequest<SessionGrant> {
        APIRequest(.post, "/api/v1/invitations/accept", body: body, authenticated: false)
    }
    public static func me() -> APIRequest<Me> { APIRequest(.get, "/api/v1/me") }
    public static func updateMe(_ body: ProfileUpdate) -> APIRequest<Me> { APIRequest(.patch, "/api/v1/me", body: body) }
    public static func members() -> APIRequest<Page<Member>> { APIRequest(.get, "/api/v1/members") }
    public static func updateMember(id: String, role: Role) -> APIRequest<Member> {
        APIRequest(.patch, "/api/v1/members/\(id)", body: ["role": role.rawValue])
    }
    public static func removeMember(id: String) -> APIRequest<NoContent> { .empty(.delete, "/api/v1/members/\(id)") }
    public static func invitations() -> APIRequest<Page<Invitation>> { APIRequest(.get, "/api/v1/invitations") }
    public static func invite(_ body: InvitationRequest) -> APIRequest<Invitation> {
        APIRequest(.post, "/api/v1/invitations", body: body)
    }
    public static func revokeInvitation(id: String) -> APIRequest<NoContent> {
        .empty(.delete, "/api/v1/invitations/\(id)")
    }
    public static func startTOTP() -> APIRequest<TOTPSetup> { APIRequest(.post, "/api/v1/me/totp") }
    public static func confirmTOTP(code: String) -> APIRequest<RecoveryCodes> {
        APIRequest(.post, "/api/v1/me/totp/confirm", body: ["code": code])
    }
    /// Turning two-factor off asks for the password and a current code (or a recovery code).
    public static func disableTOTP(password: String, code: String) -> APIRequest<NoContent> {
        .empty(.delete, "/api/v1/me/totp", body: ["password": password, "code": code])
    }
    public static func registerDevice(_ body: DeviceRegistration) -> APIRequest<Device> {
        APIRequest(.post, "/api/v1/devices", body: body)
    }
    public static func devices() -> APIRequest<Page<Device>> { APIRequest(.get, "/api/v1/devices") }
    public static func deleteDevice(id: String) -> APIRequest<NoContent> { .empty(.delete, "/api/v1/devices/\(id)") }

    // MARK: pocs
    public static func pocs(cursor: String? = nil, limit: Int = 20, filters: SearchFilters = SearchFilters()) -> APIRequest<Page<Poc>> {
        var query: [(String, String)] = [("limit", String(limit))]
        if let cursor { query.append(("cursor", cursor)) }
        query += filters.languages.map { ("language", $0) }
        query += filters.tags.map { ("tag", $0) }
        if let status = filters.status { query.append(("status", status.rawValue)) }
        if let author = filters.author { query.append(("author", author)) }
        return APIRequest(.get, "/api/v1/pocs", query: query)
    }
    public static func poc(id: String) -> APIRequest<Poc> { APIRequest(.get, "/api/v1/pocs/\(id)") }
    public static func createPoc(_ draft: PocDraft) -> APIRequest<Poc> { APIRequest(.post, "/api/v1/pocs", body: draft) }
    public static func updatePoc(id: String, _ draft: PocDraft) -> APIRequest<Poc> {
        APIRequest(.patch, "/api/v1/pocs/\(id)", body: draft)
    }
    public static func deletePoc(id: String) -> APIRequest<NoContent> { .empty(.delete, "/api/v1/pocs/\(id)") }
    public static func restorePoc(id: String) -> APIRequest<Poc> { APIRequest(.post, "/api/v1/pocs/\(id)/restore") }
    public static func deletedPocs() -> APIRequest<Page<Poc>> { APIRequest(.get, "/api/v1/pocs/deleted") }
    public static func attachments(pocID: String) -> APIRequest<Page<Attachment>> {
        APIRequest(.get, "/api/v1/pocs/\(pocID)/attachments")
    }
    public static func attachment(pocID: String, id: String) -> APIRequest<Attachment> {
        APIRequest(.get, "/api/v1/pocs/\(pocID)/attachments/\(id)")
    }
    public static func createAttachment(pocID: String, _ body: NewAttachment) -> APIRequest<Attachment> {
        APIRequest(.post, "/api/v1/pocs/\(pocID)/attachments", body: body)
    }
    public static func completeAttachment(pocID: String, id: String) -> APIRequest<Attachment> {
        APIRequest(.post, "/api/v1/pocs/\(pocID)/attachments/\(id)/complete")
    }
    public static func deleteAttachment(pocID: String, id: String) -> APIRequest<NoContent> {
        .empty(.delete, "/api/v1/pocs/\(pocID)/attachments/\(id)")
    }
    public static func languages(prefix: String = "") -> APIRequest<Page<CatalogEntry>> {
        APIRequest(.get, "/api/v1/languages", query: prefix.isEmpty ? [] : [("q", prefix)])
    }
    public static func tags(prefix: String = "") -> APIRequest<Page<CatalogEntry>> {
        APIRequest(.get, "/api/v1/tags", query: prefix.isEmpty ? [] : [("q", prefix)])
    }
    public static func search(_ text: String, filters: SearchFilters = SearchFilters(), cursor: String? = nil,
                              limit: Int = 20) -> APIRequest<SearchPage> {
        var query: [(String, String)] = [("q", text), ("limit", String(limit)), ("sort", filters.sort.rawValue)]
        query += filters.languages.map { ("language", $0) }
        query += filters.tags.map { ("tag", $0) }
        if let status = filters.status { query.append(("status", status.rawValue)) }
        if let author = filters.author { query.append(("author", author)) }
        if let cursor { query.append(("cursor", cursor)) }
        return APIRequest(.get, "/api/v1/search/pocs", query: query)
    }
    public static func suggest(_ text: String) -> APIRequest<Suggestions> {
        APIRequest(.get, "/api/v1/search/suggest", query: [("q", text)])
    }

    // MARK: dojo
    public static func dojos(state: DojoListState) -> APIRequest<Page<Dojo>> {
        APIRequest(.get, "/api/v1/dojos", query: [("state", state.rawValue)])
    }
    public static func dojo(id: String) -> APIRequest<Dojo> { APIRequest(.get, "/api/v1/dojos/\(id)") }
    public static func createDojo(_ draft: DojoDraft) -> APIRequest<Dojo> { APIRequest(.post, "/api/v1/dojos", body: draft) }
    public static func startDojo(id: String) -> APIRequest<Dojo> { APIRequest(.post, "/api/v1/dojos/\(id)/start") }
    public static func endDojo(id: String) -> APIRequest<Dojo> { APIRequest(.post, "/api/v1/dojos/\(id)/end") }
    public static func joinDojo(id: String) -> APIRequest<DojoParticipant> { APIRequest(.post, "/api/v1/dojos/\(id)/join") }
    public static func dojoTicket(id: String) -> APIRequest<DojoTicket> { APIRequest(.post, "/api/v1/dojos/\(id)/ticket") }
    public static func replay(id: String, afterSeq: Int? = nil) -> APIRequest<DojoReplay> {
        APIRequest(.get, "/api/v1/dojos/\(id)/replay", query: afterSeq.map { [("after_seq", String($0))] } ?? [])
    }

    // MARK: media
    public static func requestReport(_ body: ReportRequest) -> APIRequest<MediaJob> {
        APIRequest(.post, "/api/v1/reports", body: body)
    }
    public static func requestVideo(_ body: VideoRequest) -> APIRequest<MediaJob> {
        APIRequest(.post, "/api/v1/videos", body: body)
    }
    public static func job(kind: JobKind, id: String) -> APIRequest<MediaJob> {
        APIRequest(.get, kind == .video ? "/api/v1/videos/\(id)" : "/api/v1/reports/\(id)")
    }
    public static func jobs(kind: JobKind, cursor: String? = nil) -> APIRequest<Page<MediaJob>> {
        APIRequest(.get, kind == .video ? "/api/v1/videos" : "/api/v1/reports", query: cursor.map { [("cursor", $0)] } ?? [])
    }
}
