/// Which failures of a ticket provider end a session instead of being retried.
extension DojoSession {
    /// The code of a ticket failure that will not go away by retrying (the dojo is gone or
    /// not visible, the person was removed, signed out, or their token was revoked after a
    /// refresh), nil for one worth retrying with backoff (offline, timeouts, 5xx,
    /// `tenant_not_ready`, throttling).
    public nonisolated static func finalTicketFailure(_ error: any Error) -> String? {
        switch error {
        case DojoSessionError.accessDenied(let code):
            return code
        case let api as APIError:
            switch api {
            case .http(let status, let code, _, _) where [400, 403, 404, 410].contains(status):
                return code
            case .unauthorized(let code, _):
                return code
            case .tokenRevoked:
                return "token_revoked"
            case .signedOut:
                return "signed_out"
            default:
                return nil
            }
        default:
            return nil
        }
    }
}
