/// Turning editor changes into operations, and moving between the editor's
/// UTF-16 offsets and the OT layer's code points (docs/protocol/ot.md, section 1).
public enum TextDiff {
    /// The canonical operation that turns `old` into `new`: the common prefix and
    /// suffix are retained, the middle replaced (what one keystroke, paste or cut
    /// in a text editor amounts to). Compares code points, never graphemes.
    public static func operation(from old: OTDocument, to new: OTDocument) -> TextOperation {
        var prefix = 0
        let limit = min(old.count, new.count)
        while prefix < limit, old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < limit - prefix, old[old.count - 1 - suffix] == new[new.count - 1 - suffix] { suffix += 1 }
        var builder = TextOperationBuilder()
        builder.retain(prefix)
        builder.insert(Array(new[prefix..<(new.count - suffix)]))
        builder.delete(old.count - suffix - prefix)
        builder.retain(suffix)
        return builder.build()
    }

    public static func operation(from old: String, to new: String) -> TextOperation {
        operation(from: old.otScalars, to: new.otScalars)
    }

    /// The code point index of a UTF-16 offset in `document` (an offset inside a
    /// surrogate pair rounds down to the start of its scalar).
    public static func codePointIndex(utf16Offset: Int, in document: OTDocument) -> Int {
        var units = 0
        for (index, scalar) in document.enumerated() {
            let width = scalar.value > 0xFFFF ? 2 : 1
            if units + width > utf16Offset { return index }
            units += width
        }
        return document.count
    }

    /// The UTF-16 offset of a code point index in `document` (clamped to its end).
    public static func utf16Offset(codePointIndex: Int, in document: OTDocument) -> Int {
        var units = 0
        for scalar in document.prefix(max(0, codePointIndex)) {
            units += scalar.value > 0xFFFF ? 2 : 1
        }
        return units
    }
}
