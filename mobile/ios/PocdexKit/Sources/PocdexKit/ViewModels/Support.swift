import Foundation

/// What a screen shows besides its content.
public enum ScreenState: Sendable, Hashable {
    /// Nothing asked yet.
    case idle
    /// The first load is running (no content to show yet).
    case loading
    /// Content is shown (maybe stale: see the view model's `staleSince`).
    case content
    /// Loaded, nothing to show.
    case empty
    /// Offline and nothing cached to show.
    case offline
    case error(ErrorMessage)
}

/// An error as a screen presents it: a kind the app words in its own strings (pt-BR/en), the
/// platform's stable code, and the platform's message (already in the person's language)
/// when it sent one.
public struct ErrorMessage: Error, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case offline
        case timeout
        /// The platform refused or failed: show `serverMessage` (or a generic text by `code`).
        case server
        case validation
        case throttled
        case notFound
        case forbidden
        /// The session ended: the app goes back to login with this reason.
        case sessionEnded(SignOutReason)
        /// The organization is still being set up (retries ran out).
        case notReady
        case unexpected
    }

    public var kind: Kind
    public var code: String?
    public var serverMessage: String?

    public init(kind: Kind, code: String? = nil, serverMessage: String? = nil) {
        self.kind = kind
        self.code = code
        self.serverMessage = serverMessage
    }

    public init(_ error: Error) {
        let api = APIError.from(transport: error)
        switch api {
        case .network(let failure, _):
            self.init(kind: failure == .timedOut ? .timeout : (failure == .offline ? .offline : .unexpected))
        case .tenantNotReady:
            self.init(kind: .notReady, code: "tenant_not_ready")
        case .signedOut(let reason):
            self.init(kind: .sessionEnded(reason))
        case .unauthorized(let code, let message):
            self.init(kind: .sessionEnded(code == "membership_revoked" ? .membershipRevoked : .sessionExpired),
                      code: code, serverMessage: message.isEmpty ? nil : message)
        case .tokenRevoked:
            self.init(kind: .sessionEnded(.sessionRevoked), code: "token_revoked")
        case .throttled(_, let message):
            self.init(kind: .throttled, code: "throttled", serverMessage: message.isEmpty ? nil : message)
        case .http(let status, let code, let message, let fields):
            let kind: Kind
            if !fields.isEmpty || code == "validation_error" { kind = .validation }
            else if status == 404 { kind = .notFound }
            else if status == 403 { kind = .forbidden }
            else { kind = .server }
            self.init(kind: kind, code: code, serverMessage: message.isEmpty ? nil : message)
        case .decoding, .cancelled:
            self.init(kind: .unexpected)
        }
    }

    public var isOffline: Bool { kind == .offline || kind == .timeout }
}

/// An error shown under a form field: one the app found (worded by the app's String Catalog
/// from the problem's key) or the platform's message (already in the person's language).
public enum FieldError: Sendable, Hashable {
    case local(FieldProblem)
    case server(String)
}

extension FieldError {
    /// Server field errors, one per field (messages joined), keyed as the API names fields.
    public static func from(_ error: Error) -> [String: FieldError] {
        guard let api = error as? APIError else { return [:] }
        return api.fields.mapValues { .server($0.joined(separator: "\n")) }
    }
}

/// How view models wait (debounce, polling, undo windows): real time in the app, controlled in tests.
public struct Sleeper: Sendable {
    public var sleep: @Sendable (Duration) async throws -> Void
    public init(_ sleep: @escaping @Sendable (Duration) async throws -> Void) { self.sleep = sleep }
    public static let live = Sleeper { duration in try await Task.sleep(for: duration) }
    public func callAsFunction(_ duration: Duration) async throws { try await sleep(duration) }
}

/// Search highlights: `<mark>…</mark>` around the matches in HTML-escaped text.
public struct HighlightedText: Sendable, Hashable {
    public struct Segment: Sendable, Hashable {
        public var text: String
        public var isMatch: Bool
        public init(text: String, isMatch: Bool) {
            self.text = text
            self.isMatch = isMatch
        }
    }

    public var segments: [Segment]
    public var plainText: String { segments.map(\.text).joined() }

    public init(segments: [Segment]) { self.segments = segments }

    public init(fragment: String) {
        var segments: [Segment] = []
        var rest = Substring(fragment)
        while let open = rest.range(of: "<mark>") {
            if open.lowerBound > rest.startIndex {
                segments.append(Segment(text: Self.unescape(String(rest[..<open.lowerBound])), isMatch: false))
            }
            let afterOpen = rest[open.upperBound...]
            if let close = afterOpen.range(of: "</mark>") {
                segments.append(Segment(text: Self.unescape(String(afterOpen[..<close.lowerBound])), isMatch: true))
                rest = afterOpen[close.upperBound...]
            } else {
                segments.append(Segment(text: Self.unescape(String(afterOpen)), isMatch: true))
                rest = ""
            }
        }
        if !rest.isEmpty { segments.append(Segment(text: Self.unescape(String(rest)), isMatch: false)) }
        self.segments = segments.filter { !$0.text.isEmpty }
    }

    static func unescape(_ text: String) -> String {
        var result = text
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#x27;", "'"), ("&#39;", "'"), ("&amp;", "&")] {
            result = result.replacingOccurrences(of: entity, with: character)
        }
        return result
    }
}

/// Links the app opens: `pocdex://invite?token=…` and the universal links of the mails
/// (`https://app.pocdex.com.br/invitations/accept?token=…`, `/reset-password`, `/verify-email`).
public enum DeepLink: Sendable, Hashable {
    case invitation(token: String)
    case passwordReset(token: String)
    case verifyEmail(token: String)

    public static let universalLinkHosts: Set<String> = ["app.pocdex.com.br"]

    public init?(url: URL, allowedHosts: Set<String> = DeepLink.universalLinkHosts) {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased() else { return nil }
        let path: String
        switch scheme {
        case "pocdex":
            // pocdex://invite?token= → host "invite"; pocdex:///invite also accepted.
            path = "/" + [components.host ?? "", components.path].joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        case "https":
            guard let host = components.host?.lowercased(), allowedHosts.contains(host) else { return nil }
            path = "/" + components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        default:
            return nil
        }
        guard let token = components.queryItems?.first(where: { $0.name == "token" })?.value?
            .trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty, token.count <= 1024 else { return nil }
        switch path.lowercased() {
        case "/invite", "/invitations/accept", "/invitation": self = .invitation(token: token)
        case "/reset-password", "/password-reset": self = .passwordReset(token: token)
        case "/verify-email": self = .verifyEmail(token: token)
        default: return nil
        }
    }
}

/// Client-side checks shared by the forms (the platform checks again).
public enum Validation {
    public static func isEmail(_ text: String) -> Bool {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else { return false }
        return !text.contains(" ")
    }

    /// An organization slug: lower-case letters, digits and hyphens, 3 to 63, no hyphen at the ends.
    public static func isSlug(_ text: String) -> Bool {
        guard (3...63).contains(text.count), !text.hasPrefix("-"), !text.hasSuffix("-") else { return false }
        return text.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }

    /// The slug a name suggests: "Laboratório Ágil" → "laboratorio-agil".
    public static func slug(from name: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en"))
            .lowercased()
        var slug = ""
        for character in folded {
            if character.isASCII && (character.isLetter || character.isNumber) {
                slug.append(character)
            } else if !slug.hasSuffix("-") && !slug.isEmpty {
                slug.append("-")
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return String(slug.prefix(63))
    }

    /// Field keys of `required` when the text is blank.
    public static func required(_ fields: [(String, String)]) -> [String: FieldError] {
        var errors: [String: FieldError] = [:]
        for (key, value) in fields where value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            errors[key] = .local(.required)
        }
        return errors
    }
}

/// Problems the app finds before asking the platform; the values are the keys the app's
/// String Catalog words (the platform's own field messages arrive already translated).
public enum FieldProblem: String, Sendable {
    case required = "field.required"
    case invalidEmail = "field.invalid_email"
    case invalidSlug = "field.invalid_slug"
    case passwordTooShort = "field.password_too_short"
    case tooLong = "field.too_long"
    case invalidCode = "field.invalid_code"
    /// The code that just turned two-factor on: the platform takes each code once.
    case codeAlreadyUsed = "field.code_already_used"
    case invalidRange = "field.invalid_range"
}
