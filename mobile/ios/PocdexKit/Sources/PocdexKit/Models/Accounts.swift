import Foundation

/// A member's role in an organization.
public struct Role: OpenEnum, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let owner = Role(rawValue: "owner")
    public static let admin = Role(rawValue: "admin")
    public static let member = Role(rawValue: "member")
    public static let assignable: [Role] = [.owner, .admin, .member]

    /// Owners and admins manage members and invitations.
    public var canManageMembers: Bool { self == .owner || self == .admin }
    public var description: String { rawValue }
}

/// The app's languages; the API writes them `pt-BR` / `en` (media uses `pt-br`).
public struct AppLanguage: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let portuguese = AppLanguage(rawValue: "pt-BR")
    public static let english = AppLanguage(rawValue: "en")
    public static let all: [AppLanguage] = [.portuguese, .english]
    /// The form the media service takes (`pt-br`, `en`).
    public var mediaCode: String { rawValue.lowercased() }
}

public struct TokenPair: Codable, Sendable, Hashable {
    public var access: String
    public var refresh: String
    public var expiresIn: Int
    public var refreshExpiresAt: Date?

    public init(access: String, refresh: String, expiresIn: Int, refreshExpiresAt: Date? = nil) {
        self.access = access
        self.refresh = refresh
        self.expiresIn = expiresIn
        self.refreshExpiresAt = refreshExpiresAt
    }

    enum CodingKeys: String, CodingKey {
        case access, refresh
        case expiresIn = "expires_in"
        case refreshExpiresAt = "refresh_expires_at"
    }
}

public struct Organization: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var slug: String
    public var name: String
    public var status: String
    public var plan: String

    public init(id: String, slug: String, name: String, status: String = "active", plan: String = "free") {
        self.id = id
        self.slug = slug
        self.name = name
        self.status = status
        self.plan = plan
    }

    public var isActive: Bool { status == "active" }
}

public struct UserSummary: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var email: String
}

public struct Membership: Codable, Sendable, Hashable {
    public var organization: Organization
    public var role: Role
}

/// `GET /api/v1/me`.
public struct Me: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var email: String
    public var name: String
    public var locale: String
    public var emailVerified: Bool
    public var totpEnabled: Bool
    public var organization: Organization
    public var role: Role
    public var memberships: [Membership]

    public init(id: String, email: String, name: String, locale: String, emailVerified: Bool, totpEnabled: Bool,
                organization: Organization, role: Role, memberships: [Membership] = []) {
        self.id = id
        self.email = email
        self.name = name
        self.locale = locale
        self.emailVerified = emailVerified
        self.totpEnabled = totpEnabled
        self.organization = organization
        self.role = role
        self.memberships = memberships
    }

    enum CodingKeys: String, CodingKey {
        case id, email, name, locale, organization, role, memberships
        case emailVerified = "email_verified"
        case totpEnabled = "totp_enabled"
    }
}

public struct ProfileUpdate: Codable, Sendable, Hashable {
    public var name: String?
    public var locale: String?
    public init(name: String? = nil, locale: String? = nil) {
        self.name = name
        self.locale = locale
    }
}

public struct LoginRequest: Codable, Sendable, Hashable {
    public var organization: String
    public var email: String
    public var password: String
    public var otp: String?
    public init(organization: String, email: String, password: String, otp: String? = nil) {
        self.organization = organization
        self.email = email
        self.password = password
        self.otp = otp
    }
}

/// Two-factor enrollment of a person an organization's two-factor rule keeps out (login answered
/// 403 `two_factor_required`): the login's credentials, and the first code when confirming.
public struct TOTPEnrollmentRequest: Codable, Sendable, Hashable {
    public var organization: String
    public var email: String
    public var password: String
    public var code: String?
    public init(organization: String, email: String, password: String, code: String? = nil) {
        self.organization = organization
        self.email = email
        self.password = password
        self.code = code
    }
}

public struct SignupRequest: Codable, Sendable, Hashable {
    public var organizationName: String
    public var organizationSlug: String
    public var ownerName: String
    public var email: String
    public var password: String
    public var locale: String?

    public init(organizationName: String, organizationSlug: String, ownerName: String, email: String,
                password: String, locale: String? = nil) {
        self.organizationName = organizationName
        self.organizationSlug = organizationSlug
        self.ownerName = ownerName
        self.email = email
        self.password = password
        self.locale = locale
    }

    enum CodingKeys: String, CodingKey {
        case email, password, locale
        case organizationName = "organization_name"
        case organizationSlug = "organization_slug"
        case ownerName = "owner_name"
    }
}

/// What signup, organization creation and invitation acceptance answer with tokens.
public struct SessionGrant: Codable, Sendable, Hashable {
    public var organization: Organization
    public var role: Role
    public var tokens: TokenPair
    public var user: UserSummary?
    public var createdUser: Bool?

    enum CodingKeys: String, CodingKey {
        case organization, role, tokens, user
        case createdUser = "created_user"
    }
}

/// `POST /api/v1/signup`: 201 with tokens, or 202 when the address already has an account
/// (nothing is created; its owner gets a mail).
public enum SignupOutcome: Decodable, Sendable, Hashable {
    case created(SessionGrant)
    case mailSent

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        if container.contains(AnyKey("tokens")) {
            self = .created(try SessionGrant(from: decoder))
        } else {
            self = .mailSent
        }
    }
}

public struct CreateOrganizationRequest: Codable, Sendable, Hashable {
    public var organizationName: String
    public var organizationSlug: String
    public var locale: String?
    enum CodingKeys: String, CodingKey {
        case locale
        case organizationName = "organization_name"
        case organizationSlug = "organization_slug"
    }
}

public struct AcceptInvitationRequest: Codable, Sendable, Hashable {
    public var token: String
    public var name: String?
    public var password: String?
    public var otp: String?
    public init(token: String, name: String? = nil, password: String? = nil, otp: String? = nil) {
        self.token = token
        self.name = name
        self.password = password
        self.otp = otp
    }
}

public struct Member: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var user: UserSummary
    public var role: Role
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, user, role
        case createdAt = "created_at"
    }
}

public struct Invitation: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var email: String
    public var role: Role
    public var createdAt: Date
    public var expiresAt: Date
    public var acceptedAt: Date?
    public var revokedAt: Date?

    public var isPending: Bool { acceptedAt == nil && revokedAt == nil }

    enum CodingKeys: String, CodingKey {
        case id, email, role
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case acceptedAt = "accepted_at"
        case revokedAt = "revoked_at"
    }
}

public struct InvitationRequest: Codable, Sendable, Hashable {
    public var email: String
    public var role: Role
    public init(email: String, role: Role) {
        self.email = email
        self.role = role
    }
}

/// `POST /api/v1/me/totp`: the secret to show (and its otpauth:// URI for a QR code).
public struct TOTPSetup: Codable, Sendable, Hashable {
    public var secret: String
    public var otpauthURI: String
    enum CodingKeys: String, CodingKey {
        case secret
        case otpauthURI = "otpauth_uri"
    }
}

public struct RecoveryCodes: Codable, Sendable, Hashable {
    public var recoveryCodes: [String]
    enum CodingKeys: String, CodingKey { case recoveryCodes = "recovery_codes" }
}

/// Push devices (`/api/v1/devices`).
public struct DeviceRegistration: Codable, Sendable, Hashable {
    public var platform: String
    public var token: String
    public var locale: String?
    public var appVersion: String?
    public init(platform: String = "apns", token: String, locale: String? = nil, appVersion: String? = nil) {
        self.platform = platform
        self.token = token
        self.locale = locale
        self.appVersion = appVersion
    }
    enum CodingKeys: String, CodingKey {
        case platform, token, locale
        case appVersion = "app_version"
    }
}

public struct Device: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var platform: String
    public var tokenSuffix: String
    public var locale: String?
    public var createdAt: Date?
    public var lastSeenAt: Date?
    enum CodingKeys: String, CodingKey {
        case id, platform, locale
        case tokenSuffix = "token_suffix"
        case createdAt = "created_at"
        case lastSeenAt = "last_seen_at"
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}
