import Foundation

/// Why a session ended without the person asking: the login screen says it.
public enum SignOutReason: String, Sendable, Hashable, Codable {
    /// The person logged out.
    case loggedOut
    /// The refresh token family was revoked (a refresh token was used twice, or the session was
    /// ended elsewhere): log in again.
    case sessionRevoked
    /// The session expired or is no longer valid (`refresh_token_invalid`).
    case sessionExpired
    /// The person is no longer a member of the organization.
    case membershipRevoked
    /// The organization is suspended.
    case organizationSuspended
}

/// How a request failed at the transport level.
public enum NetworkFailure: String, Sendable, Hashable {
    /// No connection, the host unreachable, the connection lost: the app is offline.
    case offline
    case timedOut
    case other
}

/// The platform's error contract (`{"error": {"code", "message", "fields"?}}`) and the
/// client-side failures, as one error type.
public enum APIError: Error, Sendable, Hashable {
    /// Any error answer of the API, with its stable code, its (localized) message and, for
    /// validation errors, the messages per field (`"links.0.url"` for nested fields).
    case http(status: Int, code: String, message: String, fields: [String: [String]])
    /// The request did not reach the platform, or its answer did not come back.
    case network(NetworkFailure, description: String)
    /// The organization is not provisioned in that service yet and stayed so through the
    /// bounded retries (503 `tenant_not_ready`).
    case tenantNotReady(retryAfter: TimeInterval)
    /// 401 that a refresh did not cure (`not_authenticated`, `token_*`, `membership_revoked` ...).
    case unauthorized(code: String, message: String)
    /// 401 `token_revoked` on a request retried once after a refresh.
    case tokenRevoked
    /// There is no session any more (never logged in, logged out, or the refresh failed for good).
    case signedOut(SignOutReason)
    /// 429 `throttled`.
    case throttled(retryAfter: TimeInterval?, message: String)
    /// The answer was not what the client expected.
    case decoding(String)
    case cancelled

    /// The platform's stable code when there is one (`validation_error`, `otp_required` ...).
    public var code: String? {
        switch self {
        case .http(_, let code, _, _): return code
        case .unauthorized(let code, _): return code
        case .tokenRevoked: return "token_revoked"
        case .tenantNotReady: return "tenant_not_ready"
        case .throttled: return "throttled"
        default: return nil
        }
    }

    public var status: Int? {
        switch self {
        case .http(let status, _, _, _): return status
        case .unauthorized, .tokenRevoked, .signedOut: return 401
        case .tenantNotReady: return 503
        case .throttled: return 429
        default: return nil
        }
    }

    /// The server's message (already in the language the request asked for), if any.
    public var serverMessage: String? {
        switch self {
        case .http(_, _, let message, _), .unauthorized(_, let message), .throttled(_, let message):
            return message.isEmpty ? nil : message
        default: return nil
        }
    }

    public var fields: [String: [String]] {
        if case .http(_, _, _, let fields) = self { return fields }
        return [:]
    }

    /// True when the request never reached the platform: callers fall back to the offline cache.
    public var isOffline: Bool {
        if case .network(let failure, _) = self { return failure == .offline || failure == .timedOut }
        return false
    }

    public var isNotFound: Bool { status == 404 }

    /// Maps a transport error to `network` (or `cancelled`).
    public static func from(transport error: Error) -> APIError {
        if let api = error as? APIError { return api }
        if error is CancellationError { return .cancelled }
        if let url = error as? URLError {
            switch url.code {
            case .cancelled: return .cancelled
            case .notConnectedToInternet, .cannotConnectToHost, .networkConnectionLost, .cannotFindHost,
                 .dnsLookupFailed, .internationalRoamingOff, .dataNotAllowed, .secureConnectionFailed:
                return .network(.offline, description: url.localizedDescription)
            case .timedOut:
                return .network(.timedOut, description: url.localizedDescription)
            default:
                return .network(.other, description: url.localizedDescription)
            }
        }
        let ns = error as NSError
        if ns.domain == NSURLErrorDomain {
            switch ns.code {
            case NSURLErrorCancelled: return .cancelled
            case NSURLErrorTimedOut: return .network(.timedOut, description: ns.localizedDescription)
            case NSURLErrorNotConnectedToInternet, NSURLErrorCannotConnectToHost, NSURLErrorNetworkConnectionLost,
                 NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed:
                return .network(.offline, description: ns.localizedDescription)
            default: return .network(.other, description: ns.localizedDescription)
            }
        }
        return .network(.other, description: String(describing: error))
    }

    /// Decodes the error body of a non-2xx answer.
    public static func from(status: Int, body: Data, headers: [String: String]) -> APIError {
        let retryAfter = headers.first { $0.key.lowercased() == "retry-after" }.flatMap { TimeInterval($0.value) }
        guard let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: body) else {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            if status == 401 { return .unauthorized(code: "not_authenticated", message: text) }
            return .http(status: status, code: "http_\(status)", message: text, fields: [:])
        }
        let error = envelope.error
        switch (status, error.code) {
        case (503, "tenant_not_ready"):
            return .tenantNotReady(retryAfter: retryAfter ?? 1)
        case (429, _):
            return .throttled(retryAfter: retryAfter, message: error.message)
        case (401, "token_revoked"):
            return .tokenRevoked
        case (401, _) where !error.code.hasPrefix("refresh_") && error.code != "invalid_credentials"
            && !error.code.hasPrefix("otp_"):
            return .unauthorized(code: error.code, message: error.message)
        default:
            return .http(status: status, code: error.code, message: error.message, fields: error.fields)
        }
    }
}

struct ErrorEnvelope: Decodable {
    struct Body: Decodable {
        var code: String
        var message: String
        var fields: [String: [String]]

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            code = try c.decode(String.self, forKey: .code)
            message = try c.decodeIfPresent(String.self, forKey: .message) ?? ""
            let raw = try c.decodeIfPresent(JSONValue.self, forKey: .fields)
            var flat: [String: [String]] = [:]
            if let raw { Self.flatten(raw, prefix: "", into: &flat) }
            fields = flat
        }

        /// `{"name": [{"code", "message"}]}`, `{"name": ["text"]}` and nested objects or lists
        /// (`{"links": [{"url": [...]}]}` → `"links.0.url"`) all become key → messages.
        static func flatten(_ value: JSONValue, prefix: String, into result: inout [String: [String]]) {
            switch value {
            case .string(let text):
                result[prefix.isEmpty ? "non_field_errors" : prefix, default: []].append(text)
            case .object(let object):
                if case .string(let message)? = object["message"], object["code"] != nil {
                    result[prefix.isEmpty ? "non_field_errors" : prefix, default: []].append(message)
                    return
                }
                for (key, child) in object.sorted(by: { $0.key < $1.key }) {
                    flatten(child, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &result)
                }
            case .array(let items):
                let nested = items.contains { if case .object(let o) = $0 { return o["message"] == nil }; return false }
                for (index, item) in items.enumerated() {
                    if nested, case .object = item {
                        flatten(item, prefix: "\(prefix).\(index)", into: &result)
                    } else {
                        flatten(item, prefix: prefix, into: &result)
                    }
                }
            default:
                break
            }
        }

        enum CodingKeys: String, CodingKey { case code, message, fields }
    }

    var error: Body
}
