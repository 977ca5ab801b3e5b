/// The client state machine of docs/protocol/ot.md, section 8 (ot.js's `Client`):
/// at most one operation in flight (`outstanding`), further local edits composed
/// into one `buffer` until the server acknowledges it.
public struct OTClient: Sendable {
    public enum State: String, Sendable {
        case synchronized
        case awaitingConfirm = "awaiting_confirm"
        case awaitingWithBuffer = "awaiting_with_buffer"
    }

    /// An operation to send, with the revision it was made against.
    public struct Outgoing: Sendable, Equatable {
        public let revision: Int
        public let operation: TextOperation
    }

    public enum ClientError: Error, Sendable, Equatable {
        /// The server acknowledged while nothing was in flight (a protocol bug).
        case unexpectedAcknowledgement
    }

    public private(set) var document: OTDocument
    /// Server operations integrated, this client's acknowledged ones included.
    public private(set) var revision: Int
    public private(set) var outstanding: TextOperation?
    public private(set) var buffer: TextOperation?

    public init(document: OTDocument = [], revision: Int = 0) {
        self.document = document
        self.revision = revision
    }

    public var state: State {
        if outstanding == nil { return .synchronized }
        return buffer == nil ? .awaitingConfirm : .awaitingWithBuffer
    }

    public var text: String { String(otScalars: document) }

    /// A local edit (the editor shows it already): what to send now, if anything.
    public mutating func applyLocal(_ operation: TextOperation) throws -> Outgoing? {
        let next = try operation.apply(document)
        if outstanding == nil {
            document = next
            outstanding = operation
            return Outgoing(revision: revision, operation: operation)
        }
        let composed = try buffer.map { try TextOperation.compose($0, operation) } ?? operation
        document = next
        buffer = composed
        return nil
    }

    /// Another participant's sequenced operation: returns what the editor applies.
    public mutating func applyServer(_ operation: TextOperation) throws -> TextOperation {
        var editorOperation = operation
        var newOutstanding = outstanding
        var newBuffer = buffer
        if let o = outstanding {
            let (o2, s2) = try TextOperation.transform(o, editorOperation)
            newOutstanding = o2
            editorOperation = s2
            if let b = buffer {
                let (b2, s3) = try TextOperation.transform(b, editorOperation)
                newBuffer = b2
                editorOperation = s3
            }
        }
        let next = try editorOperation.apply(document)
        document = next
        outstanding = newOutstanding
        buffer = newBuffer
        revision += 1
        return editorOperation
    }

    /// The server sequenced the outstanding operation: what to send next, if anything.
    public mutating func serverAck() throws -> Outgoing? {
        guard outstanding != nil else { throw ClientError.unexpectedAcknowledgement }
        revision += 1
        outstanding = buffer
        buffer = nil
        return outstanding.map { Outgoing(revision: revision, operation: $0) }
    }

    /// After a reconnection: the outstanding operation again, with its revision.
    public func resend() -> Outgoing? {
        outstanding.map { Outgoing(revision: revision, operation: $0) }
    }

    /// Starts again from a full state (a snapshot), dropping whatever was pending.
    public mutating func reset(document: OTDocument, revision: Int) {
        self.document = document
        self.revision = revision
        outstanding = nil
        buffer = nil
    }
}
