/// Cursors and selections moved through operations (docs/protocol/ot.md, section 6).
///
/// An index lies between code points, `0 ≤ index ≤ length`. Text inserted exactly
/// at the index pushes it to the end of the insert; text deleted around it pulls
/// it back to where the deletion started.
extension TextOperation {
    /// Where `index` (in this operation's base document) lies after it.
    public func transformIndex(_ index: Int) throws -> Int {
        guard index >= 0, index <= baseLength else {
            throw OTError(.indexOutOfRange, "index \(index) is outside the document (0..\(baseLength))")
        }
        var moved = index
        var position = 0
        for c in components {
            if position > index { break }
            switch c {
            case .insert(let s): moved += s.count
            case .retain(let n): position += n
            case .delete(let n):
                moved -= min(n, index - position + 0)
                position += n
            }
        }
        return moved
    }

    /// `transformIndex` on a decoded JSON value: anything but an integer is `index_out_of_range`.
    public func transformIndex(wire value: WireJSON) throws -> Int {
        guard let n = value.exactInteger, n >= Int64(Int.min), n <= Int64(Int.max) else {
            throw OTError(.indexOutOfRange, "a cursor index is an integer")
        }
        return try transformIndex(Int(n))
    }
}

public struct SelectionRange: Sendable, Hashable, Codable {
    public var anchor: Int
    public var head: Int

    public init(anchor: Int, head: Int) {
        self.anchor = anchor
        self.head = head
    }

    public func transformed(by operation: TextOperation) throws -> SelectionRange {
        SelectionRange(anchor: try operation.transformIndex(anchor), head: try operation.transformIndex(head))
    }
}

/// What one participant has selected; the wire form is `{"ranges": [{"anchor", "head"}, …]}`.
public struct Selection: Sendable, Hashable, Codable {
    public static let maxRanges = 64

    public var ranges: [SelectionRange]

    public init(ranges: [SelectionRange] = []) { self.ranges = ranges }

    public static func caret(_ index: Int) -> Selection { Selection(ranges: [SelectionRange(anchor: index, head: index)]) }

    /// Parses strictly; `invalid_selection` for anything but the documented shape.
    public init(wire value: WireJSON) throws {
        guard case .object(let members) = value, Set(members.keys) == ["ranges"] else {
            throw OTError(.invalidSelection, "a selection is an object with only \"ranges\"")
        }
        guard case .array(let items)? = members["ranges"] else {
            throw OTError(.invalidSelection, "\"ranges\" is an array")
        }
        guard items.count <= Selection.maxRanges else {
            throw OTError(.invalidSelection, "at most \(Selection.maxRanges) ranges")
        }
        var ranges: [SelectionRange] = []
        for (number, item) in items.enumerated() {
            guard case .object(let range) = item, Set(range.keys) == ["anchor", "head"] else {
                throw OTError(.invalidSelection, "range \(number) is an object with \"anchor\" and \"head\"")
            }
            var bounds: [Int] = []
            for key in ["anchor", "head"] {
                guard let n = range[key]?.exactInteger, n >= 0, n <= Int64(TextOperation.maxLength) else {
                    throw OTError(.invalidSelection, "range \(number): anchor and head are integers in 0..\(TextOperation.maxLength)")
                }
                bounds.append(Int(n))
            }
            ranges.append(SelectionRange(anchor: bounds[0], head: bounds[1]))
        }
        self.ranges = ranges
    }

    /// Parses JSON text (a decoder refusal is `invalid_selection`).
    public init(wireText: String) throws {
        let value: WireJSON
        do { value = try WireJSON.parse(wireText) } catch {
            throw OTError(.invalidSelection, "not JSON: \(error)")
        }
        try self.init(wire: value)
    }

    public var wire: WireJSON {
        .object(["ranges": .array(ranges.map { .object(["anchor": .integer($0.anchor), "head": .integer($0.head)]) })])
    }

    /// Every range moved through `operation`; `index_out_of_range` if one lies outside.
    public func transformed(by operation: TextOperation) throws -> Selection {
        Selection(ranges: try ranges.map { try $0.transformed(by: operation) })
    }
}
