import Foundation

/// The claims of an access token the app reads (it never verifies signatures: the services do).
public struct AccessClaims: Codable, Sendable, Hashable {
    public var subject: String
    public var tenant: String
    public var role: Role
    public var name: String
    public var expiresAt: Date
    public var issuedAt: Date?
    public var session: String?

    public init(subject: String, tenant: String, role: Role, name: String, expiresAt: Date,
                issuedAt: Date? = nil, session: String? = nil) {
        self.subject = subject
        self.tenant = tenant
        self.role = role
        self.name = name
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.session = session
    }

    /// Reads the payload of a JWT (base64url JSON), or nil when it is not one.
    public static func decode(_ token: String) -> AccessClaims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = base64URLDecode(String(parts[1])),
              let object = try? JSONDecoder().decode([String: JSONValue].self, from: payload),
              let exp = object["exp"]?.numberValue else { return nil }
        return AccessClaims(
            subject: object["sub"]?.stringValue ?? "",
            tenant: object["tid"]?.stringValue ?? "",
            role: Role(rawValue: object["role"]?.stringValue ?? "member"),
            name: object["name"]?.stringValue ?? "",
            expiresAt: Date(timeIntervalSince1970: exp),
            issuedAt: object["iat"]?.numberValue.map { Date(timeIntervalSince1970: $0) },
            session: object["sid"]?.stringValue
        )
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
