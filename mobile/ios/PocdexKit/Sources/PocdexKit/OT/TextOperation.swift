/// Text operations over documents counted in Unicode code points
/// (docs/protocol/ot.md): retain / insert / delete, always in canonical form.
///
/// Every length and position counts `Unicode.Scalar`s, never grapheme clusters
/// (`String.count`) and never UTF-16 units. Inserted text is held as scalars, so
/// two operations compare component by component exactly (Swift `String`
/// equality would treat `"\u{E9}"` and `"e\u{301}"` as equal).
public enum OTComponent: Sendable, Hashable {
    case retain(Int)
    case insert([Unicode.Scalar])
    case delete(Int)

    public static func insert(_ text: String) -> OTComponent { .insert(Array(text.unicodeScalars)) }

    var kind: Kind {
        switch self {
        case .retain: .retain
        case .insert: .insert
        case .delete: .delete
        }
    }

    var length: Int {
        switch self {
        case .retain(let n), .delete(let n): n
        case .insert(let s): s.count
        }
    }

    enum Kind: String { case retain, insert, delete }

    /// The wire form: `n` retain, `"text"` insert, `-n` delete.
    public var wire: WireJSON {
        switch self {
        case .retain(let n): .integer(n)
        case .insert(let s): .string(String(String.UnicodeScalarView(s)))
        case .delete(let n): .integer(-n)
        }
    }
}

/// The document type of the OT layer: an array of code points.
public typealias OTDocument = [Unicode.Scalar]

extension String {
    /// This text as the OT layer counts it.
    public var otScalars: OTDocument { Array(unicodeScalars) }

    /// A string made of exactly these scalars (never normalized).
    public init(otScalars: some Sequence<Unicode.Scalar>) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: otScalars)
        self.init(view)
    }
}

public struct TextOperation: Sendable, Hashable, CustomStringConvertible {
    /// Largest component magnitude and largest base/target length (2³¹−1).
    public static let maxLength = 2_147_483_647

    public let components: [OTComponent]
    /// Length (code points) of the documents this operation applies to.
    public let baseLength: Int
    /// Length (code points) of the document it produces.
    public let targetLength: Int

    /// Validates `components` (canonical form included) or throws `invalid_operation`.
    public init(components: [OTComponent]) throws {
        var base = 0
        var target = 0
        var previous: OTComponent.Kind?
        for (index, component) in components.enumerated() {
            let kind = component.kind
            switch component {
            case .retain(let n), .delete(let n):
                guard n > 0 else {
                    throw OTError(.invalidOperation, "component \(index) retains or deletes zero or fewer code points")
                }
                guard n <= TextOperation.maxLength else {
                    throw OTError(.invalidOperation, "component \(index) is longer than \(TextOperation.maxLength)")
                }
            case .insert(let s):
                guard !s.isEmpty else { throw OTError(.invalidOperation, "component \(index) inserts an empty string") }
            }
            if previous == kind {
                throw OTError(.invalidOperation, "components \(index - 1) and \(index) are both \(kind.rawValue)s: canonical operations merge them")
            }
            if previous == .delete && kind == .insert {
                throw OTError(.invalidOperation, "component \(index) inserts right after a delete: canonical operations put the insert first")
            }
            let length = component.length
            if kind != .insert { base += length }
            if kind != .delete { target += length }
            if base > TextOperation.maxLength || target > TextOperation.maxLength {
                throw OTError(.invalidOperation, "the operation spans more than \(TextOperation.maxLength) code points")
            }
            previous = kind
        }
        self.components = components
        self.baseLength = base
        self.targetLength = target
    }

    /// Already-canonical components from the builder (checked in debug builds).
    init(canonical components: [OTComponent]) {
        var base = 0
        var target = 0
        for c in components {
            switch c {
            case .retain(let n): base += n; target += n
            case .insert(let s): target += s.count
            case .delete(let n): base += n
            }
        }
        self.components = components
        self.baseLength = base
        self.targetLength = target
    }

    /// The no-op over a document of `length` code points (`[]` for 0).
    public static func identity(_ length: Int) -> TextOperation {
        TextOperation(canonical: length > 0 ? [.retain(length)] : [])
    }

    /// `size` = components + inserted code points: what `max_operation_size` bounds.
    public var size: Int {
        components.reduce(components.count) { total, c in
            if case .insert(let s) = c { return total + s.count }
            return total
        }
    }

    /// True when it changes nothing (only retains, or nothing at all).
    public var isNoop: Bool {
        components.allSatisfy { if case .retain = $0 { true } else { false } }
    }

    public var description: String { "TextOperation(\(wire.jsonText))" }

    // MARK: wire form

    /// The wire form (a JSON array).
    public var wire: WireJSON { .array(components.map(\.wire)) }

    /// Parses a decoded JSON value strictly (docs/protocol/ot.md, "Validity").
    /// Throws only `OTError`: `invalid_operation`, or `operation_too_large` when
    /// `maxSize` is given and exceeded (an array with more elements than
    /// `maxSize` is refused before its elements are looked at).
    public init(wire value: WireJSON, maxSize: Int? = nil) throws {
        guard case .array(let items) = value else {
            throw OTError(.invalidOperation, "an operation is a JSON array")
        }
        if let maxSize, items.count > maxSize {
            throw OTError(.operationTooLarge, "the operation has \(items.count) components; at most \(maxSize) is accepted")
        }
        var components: [OTComponent] = []
        components.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            switch item {
            case .string(let s):
                components.append(.insert(Array(s.unicodeScalars)))
            case .number:
                guard item.isIntegerLiteral else {
                    throw OTError(.invalidOperation, "component \(index) is not an integer (fraction or exponent)")
                }
                guard let n = item.exactInteger, n != Int64.min, abs(n) <= Int64(TextOperation.maxLength) else {
                    throw OTError(.invalidOperation, "component \(index) is longer than \(TextOperation.maxLength)")
                }
                if n == 0 { throw OTError(.invalidOperation, "component \(index) retains or deletes zero code points") }
                components.append(n > 0 ? .retain(Int(n)) : .delete(Int(-n)))
            default:
                throw OTError(.invalidOperation, "component \(index) is not an integer or a string")
            }
        }
        try self.init(components: components)
        if let maxSize, size > maxSize {
            throw OTError(.operationTooLarge, "the operation's size is \(size); at most \(maxSize) is accepted")
        }
    }

    /// Parses JSON text (a JSON decoder refusal, e.g. a lone surrogate, is `invalid_operation`).
    public init(wireText: String, maxSize: Int? = nil) throws {
        let value: WireJSON
        do { value = try WireJSON.parse(wireText) } catch {
            throw OTError(.invalidOperation, "not JSON: \(error)")
        }
        try self.init(wire: value, maxSize: maxSize)
    }

    // MARK: apply, invert

    /// The document after this operation; `length_mismatch` unless it is `baseLength` long.
    public func apply(_ document: OTDocument) throws -> OTDocument {
        guard document.count == baseLength else {
            throw OTError(.lengthMismatch, "the operation expects a document of \(baseLength) code points, not \(document.count)")
        }
        var out = OTDocument()
        out.reserveCapacity(targetLength)
        var position = 0
        for c in components {
            switch c {
            case .retain(let n):
                out.append(contentsOf: document[position..<position + n])
                position += n
            case .insert(let s):
                out.append(contentsOf: s)
            case .delete(let n):
                position += n
            }
        }
        return out
    }

    public func apply(_ document: String) throws -> String {
        String(otScalars: try apply(document.otScalars))
    }

    /// The operation that undoes this one; `document` is the one it was applied to.
    public func invert(_ document: OTDocument) throws -> TextOperation {
        guard document.count == baseLength else {
            throw OTError(.lengthMismatch, "cannot invert against a document of \(document.count) code points; the operation expects \(baseLength)")
        }
        var inverse = TextOperationBuilder()
        var position = 0
        for c in components {
            switch c {
            case .retain(let n):
                inverse.retain(n)
                position += n
            case .insert(let s):
                inverse.delete(s.count)
            case .delete(let n):
                inverse.insert(Array(document[position..<position + n]))
                position += n
            }
        }
        return inverse.build()
    }

    public func invert(_ document: String) throws -> TextOperation { try invert(document.otScalars) }

    // MARK: compose, transform

    /// One operation with the effect of `first` then `second`.
    public static func compose(_ first: TextOperation, _ second: TextOperation) throws -> TextOperation {
        guard first.targetLength == second.baseLength else {
            throw OTError(.lengthMismatch, "cannot compose: the first operation produces \(first.targetLength) code points, the second expects \(second.baseLength)")
        }
        var out = TextOperationBuilder()
        var a = ComponentReader(first)
        var b = ComponentReader(second)
        while true {
            if a.kind == .delete {
                out.delete(a.remaining)
                _ = a.takeAll()
                continue
            }
            if b.kind == .insert {
                out.insert(b.takeAll())
                continue
            }
            guard let ak = a.kind, let bk = b.kind else { break }
            let count = min(a.remaining, b.remaining)
            if ak == .retain {
                if bk == .retain { out.retain(count) } else { out.delete(count) }
                _ = a.take(count)
            } else {
                let text = a.take(count)
                if bk == .retain { out.insert(text) }
                // insert then delete: nothing of either is left
            }
            _ = b.take(count)
        }
        return out.build()
    }

    public func compose(_ other: TextOperation) throws -> TextOperation { try TextOperation.compose(self, other) }

    /// `(a′, b′)` for concurrent `a` and `b` on one document, with
    /// `b′(a(d)) == a′(b(d))`. At equal positions `a`'s insert comes first.
    public static func transform(_ a: TextOperation, _ b: TextOperation) throws -> (TextOperation, TextOperation) {
        guard a.baseLength == b.baseLength else {
            throw OTError(.lengthMismatch, "cannot transform operations over different documents (\(a.baseLength) and \(b.baseLength) code points)")
        }
        var aPrime = TextOperationBuilder()
        var bPrime = TextOperationBuilder()
        var ra = ComponentReader(a)
        var rb = ComponentReader(b)
        while true {
            if ra.kind == .insert {
                let text = ra.takeAll()
                aPrime.insert(text)
                bPrime.retain(text.count)
                continue
            }
            if rb.kind == .insert {
                let text = rb.takeAll()
                aPrime.retain(text.count)
                bPrime.insert(text)
                continue
            }
            guard let ak = ra.kind, let bk = rb.kind else { break }
            let count = min(ra.remaining, rb.remaining)
            switch (ak, bk) {
            case (.retain, .retain):
                aPrime.retain(count)
                bPrime.retain(count)
            case (.delete, .retain):
                aPrime.delete(count)
            case (.retain, .delete):
                bPrime.delete(count)
            default:
                break  // both deleted the same text
            }
            _ = ra.take(count)
            _ = rb.take(count)
        }
        return (aPrime.build(), bPrime.build())
    }
}

/// Appends components and keeps the result canonical: zero counts and empty
/// inserts are dropped, neighbours of one kind merge, and an insert given right
/// after a delete goes before it.
public struct TextOperationBuilder: Sendable {
    private var components: [OTComponent] = []

    public init() {}

    public mutating func retain(_ count: Int) {
        precondition(count >= 0, "retain count must not be negative")
        guard count > 0 else { return }
        if case .retain(let n)? = components.last {
            components[components.count - 1] = .retain(n + count)
        } else {
            components.append(.retain(count))
        }
    }

    public mutating func insert(_ text: String) { insert(Array(text.unicodeScalars)) }

    public mutating func insert(_ text: [Unicode.Scalar]) {
        guard !text.isEmpty else { return }
        let last = components.count - 1
        if case .insert(let s)? = components.last {
            components[last] = .insert(s + text)
        } else if case .delete? = components.last {
            if components.count >= 2, case .insert(let s) = components[last - 1] {
                components[last - 1] = .insert(s + text)
            } else {
                components.insert(.insert(text), at: last)
            }
        } else {
            components.append(.insert(text))
        }
    }

    public mutating func delete(_ count: Int) {
        precondition(count >= 0, "delete count must not be negative")
        guard count > 0 else { return }
        if case .delete(let n)? = components.last {
            components[components.count - 1] = .delete(n + count)
        } else {
            components.append(.delete(count))
        }
    }

    public func build() -> TextOperation { TextOperation(canonical: components) }
}

/// Walks an operation's components, handing out pieces of the current one.
struct ComponentReader {
    let components: [OTComponent]
    var index = 0
    var offset = 0

    init(_ operation: TextOperation) { components = operation.components }

    var kind: OTComponent.Kind? { index < components.count ? components[index].kind : nil }
    var remaining: Int { components[index].length - offset }

    /// Consumes `count` code points of the current component; an insert returns its text.
    mutating func take(_ count: Int) -> [Unicode.Scalar] {
        let component = components[index]
        var piece: [Unicode.Scalar] = []
        if case .insert(let s) = component { piece = Array(s[offset..<offset + count]) }
        offset += count
        if offset == component.length {
            index += 1
            offset = 0
        }
        return piece
    }

    mutating func takeAll() -> [Unicode.Scalar] { take(remaining) }
}
