/// The stable error codes of the shared editor (docs/protocol/ot.md, section 9).
/// The dojo service sends them as `{"type": "error", "code": …}`; a code is never
/// renamed, only added.
public enum OTErrorCode: String, Sendable, CaseIterable, Codable {
    case invalidOperation = "invalid_operation"
    case lengthMismatch = "length_mismatch"
    case revisionOutOfRange = "revision_out_of_range"
    case revisionTooOld = "revision_too_old"
    case operationTooLarge = "operation_too_large"
    case documentTooLarge = "document_too_large"
    case invalidSelection = "invalid_selection"
    case indexOutOfRange = "index_out_of_range"
}

/// The one error the OT core throws. `code` is the contract; `message` is for logs.
public struct OTError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: OTErrorCode
    public let message: String

    public init(_ code: OTErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
