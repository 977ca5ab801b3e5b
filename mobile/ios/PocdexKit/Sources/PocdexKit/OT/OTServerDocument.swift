/// The server's side of the protocol (docs/protocol/ot.md, section 7), in memory.
/// The dojo service is the real server; this one serves the vectors, the
/// convergence simulation and the session tests' scripted server.
public enum OTRebase {
    /// `revision` if the server can rebase from it, else a coded error.
    public static func checkRevision(_ value: WireJSON, current: Int, oldest: Int = 0) throws -> Int {
        guard let r64 = value.exactInteger else {
            throw OTError(.revisionOutOfRange, "a revision is an integer")
        }
        guard r64 >= 0, r64 <= Int64(current) else {
            throw OTError(.revisionOutOfRange, "revision \(r64) is outside 0..\(current)")
        }
        let revision = Int(r64)
        guard revision >= oldest else {
            throw OTError(.revisionTooOld, "revision \(revision) is older than the retained history (from \(oldest)); resynchronize")
        }
        return revision
    }
}

public struct OTServerDocument: Sendable {
    public static let defaultMaxDocumentLength = 200_000
    public static let defaultMaxOperationSize = 50_000

    public private(set) var text: OTDocument
    public private(set) var revision: Int
    /// The retained history; its last operation produced `revision`.
    public private(set) var history: [TextOperation]
    public let maxDocumentLength: Int
    public let maxOperationSize: Int

    public struct Accepted: Sendable, Equatable {
        /// What was applied: send it to every other participant with `revision`.
        public let operation: TextOperation
        /// The new revision; acknowledge it to the sender.
        public let revision: Int
    }

    public init(
        text: OTDocument = [],
        revision: Int = 0,
        history: [TextOperation] = [],
        maxDocumentLength: Int = OTServerDocument.defaultMaxDocumentLength,
        maxOperationSize: Int = OTServerDocument.defaultMaxOperationSize
    ) throws {
        precondition(revision >= history.count, "the history is longer than the revision it leads to")
        guard text.count <= maxDocumentLength else {
            throw OTError(.documentTooLarge, "the document has \(text.count) code points; at most \(maxDocumentLength)")
        }
        self.text = text
        self.revision = revision
        self.history = history
        self.maxDocumentLength = maxDocumentLength
        self.maxOperationSize = maxOperationSize
    }

    /// The oldest revision a client may still send an operation against.
    public var historyStart: Int { revision - history.count }

    /// Sequences a client's operation (raw wire values). Checks, in order:
    /// operation, size, revision, length, result. A refusal changes nothing.
    public mutating func receive(operation wire: WireJSON, revision clientRevision: WireJSON) throws -> Accepted {
        let parsed = try TextOperation(wire: wire, maxSize: maxOperationSize)
        return try receive(parsed, revision: clientRevision)
    }

    public mutating func receive(_ operation: TextOperation, revision clientRevision: WireJSON) throws -> Accepted {
        guard operation.size <= maxOperationSize else {
            throw OTError(.operationTooLarge, "the operation's size is \(operation.size); at most \(maxOperationSize) is accepted")
        }
        let start = historyStart
        let from = try OTRebase.checkRevision(clientRevision, current: revision, oldest: start)
        var rebased = operation
        for h in history[(from - start)...] {
            rebased = try TextOperation.transform(rebased, h).0
        }
        guard rebased.baseLength == text.count else {
            throw OTError(.lengthMismatch, "the operation expects a document of \(rebased.baseLength) code points at its revision, not \(text.count)")
        }
        guard rebased.targetLength <= maxDocumentLength else {
            throw OTError(.documentTooLarge, "the document would have \(rebased.targetLength) code points; at most \(maxDocumentLength)")
        }
        text = try rebased.apply(text)
        history.append(rebased)
        revision += 1
        return Accepted(operation: rebased, revision: revision)
    }

    public mutating func receive(_ operation: TextOperation, revision clientRevision: Int) throws -> Accepted {
        try receive(operation, revision: .integer(clientRevision))
    }
}
