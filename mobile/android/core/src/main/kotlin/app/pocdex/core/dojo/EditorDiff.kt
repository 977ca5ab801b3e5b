package app.pocdex.core.dojo

import app.pocdex.core.ot.CodePoints
import app.pocdex.core.ot.TextOperation
import app.pocdex.core.ot.TextOperationBuilder

/**
 * Turns an editor's change into an operation. Editors report whole new texts (Compose's
 * `TextFieldValue`) and UTF-16 ranges; the protocol counts code points. The difference is taken
 * over code points (common prefix and suffix), so a surrogate pair is never split.
 */
object EditorDiff {
    /** The operation taking [old] to [new] (one replaced span), or null when they are equal. */
    fun operation(
        old: String,
        new: String,
    ): TextOperation? {
        if (old == new) return null
        val a = CodePoints.of(old)
        val b = CodePoints.of(new)
        var prefix = 0
        val shortest = minOf(a.size, b.size)
        while (prefix < shortest && a[prefix] == b[prefix]) prefix++
        var suffix = 0
        while (suffix < shortest - prefix && a[a.size - 1 - suffix] == b[b.size - 1 - suffix]) suffix++
        val inserted = String(b, prefix, b.size - prefix - suffix)
        return TextOperationBuilder()
            .retain(prefix)
            .insert(inserted)
            .delete(a.size - prefix - suffix)
            .retain(suffix)
            .build()
    }
}
