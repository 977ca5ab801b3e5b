package app.pocdex.core.ot

import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonPrimitive

/** compose, transform and transform_index (docs/protocol/ot.md, sections 4 to 6). */
object OT {
    /**
     * One operation with the effect of [first] then [second];
     * [OTErrorCode.LENGTH_MISMATCH] unless `first.targetLength == second.baseLength`.
     */
    fun compose(
        first: TextOperation,
        second: TextOperation,
    ): TextOperation {
        if (first.targetLength != second.baseLength) {
            throw OTError(
                OTErrorCode.LENGTH_MISMATCH,
                "cannot compose: the first operation produces ${first.targetLength} code points, " +
                    "the second expects ${second.baseLength}",
            )
        }
        val out = TextOperationBuilder()
        val a = Reader(first)
        val b = Reader(second)
        while (true) {
            if (a.current is Component.Delete) {
                out.delete(a.remaining)
                a.takeAll()
                continue
            }
            if (b.current is Component.Insert) {
                out.insert(b.takeAll())
                continue
            }
            val ca = a.current ?: break
            if (b.current == null) break
            val count = minOf(a.remaining, b.remaining)
            val bIsRetain = b.current is Component.Retain
            if (ca is Component.Retain) {
                if (bIsRetain) out.retain(count) else out.delete(count)
                a.take(count)
            } else {
                val text = a.take(count)
                if (bIsRetain) out.insert(text)
                // insert then delete of the same text: nothing left of either
            }
            b.take(count)
        }
        return out.build()
    }

    /**
     * `(a', b')` for concurrent [a] and [b] on the same document, such that
     * `b'(a(doc)) == a'(b(doc))`. At the same position **a's insert comes first**: [a] is the
     * operation the server has not sequenced yet (a client's outstanding operation or buffer),
     * [b] the one it already has.
     */
    fun transform(
        a: TextOperation,
        b: TextOperation,
    ): Pair<TextOperation, TextOperation> {
        if (a.baseLength != b.baseLength) {
            throw OTError(
                OTErrorCode.LENGTH_MISMATCH,
                "cannot transform operations over different documents (${a.baseLength} and ${b.baseLength} code points)",
            )
        }
        val aPrime = TextOperationBuilder()
        val bPrime = TextOperationBuilder()
        val ra = Reader(a)
        val rb = Reader(b)
        while (true) {
            if (ra.current is Component.Insert) {
                val length = ra.remaining
                aPrime.insert(ra.takeAll())
                bPrime.retain(length)
                continue
            }
            if (rb.current is Component.Insert) {
                val length = rb.remaining
                aPrime.retain(length)
                bPrime.insert(rb.takeAll())
                continue
            }
            val ca = ra.current ?: break
            val cb = rb.current ?: break
            val count = minOf(ra.remaining, rb.remaining)
            if (ca is Component.Retain && cb is Component.Retain) {
                aPrime.retain(count)
                bPrime.retain(count)
            } else if (ca is Component.Delete && cb is Component.Retain) {
                aPrime.delete(count)
            } else if (ca is Component.Retain && cb is Component.Delete) {
                bPrime.delete(count)
            }
            // delete/delete: both removed the same text; neither does it again
            ra.take(count)
            rb.take(count)
        }
        return aPrime.build() to bPrime.build()
    }

    /**
     * Where cursor [index] (in [operation]'s base document) lies after [operation]: text inserted
     * before it or exactly at it pushes it right; a deletion spanning it moves it to where the
     * deletion started. [OTErrorCode.INDEX_OUT_OF_RANGE] outside `0..baseLength`.
     */
    fun transformIndex(
        operation: TextOperation,
        index: Int,
    ): Int {
        if (index < 0 || index > operation.baseLength) {
            throw OTError(
                OTErrorCode.INDEX_OUT_OF_RANGE,
                "index $index is outside the document (0..${operation.baseLength})",
            )
        }
        var moved = index.toLong()
        var position = 0L
        for (component in operation.components) {
            if (position > index) break
            when (component) {
                is Component.Insert -> {
                    moved += component.length
                }

                is Component.Retain -> {
                    position += component.count
                }

                is Component.Delete -> {
                    moved -= minOf(component.count.toLong(), index - position)
                    position += component.count
                }
            }
        }
        return moved.toInt()
    }

    /** [transformIndex] for a decoded JSON value: anything but an integer is [OTErrorCode.INDEX_OUT_OF_RANGE]. */
    fun transformIndex(
        operation: TextOperation,
        index: JsonElement,
    ): Int {
        val number =
            (index as? JsonPrimitive)?.let { TextOperation.parseInteger(it) }
                ?: throw OTError(OTErrorCode.INDEX_OUT_OF_RANGE, "a cursor index is an integer")
        if (number < 0 || number > operation.baseLength) {
            throw OTError(OTErrorCode.INDEX_OUT_OF_RANGE, "index $number is outside the document (0..${operation.baseLength})")
        }
        return transformIndex(operation, number.toInt())
    }

    /** Walks an operation's components, handing out pieces of the current one (code points). */
    private class Reader(
        operation: TextOperation,
    ) {
        private val components = operation.components
        private var index = 0
        private var offset = 0 // code points consumed of the current component
        private var utf16 = 0 // UTF-16 offset of [offset] in the current insert

        val current: Component? get() = components.getOrNull(index)

        val remaining: Int get() = components[index].length - offset

        /** Consume [count] code points of the current component; inserts return their text. */
        fun take(count: Int): String {
            val component = components[index]
            var piece = ""
            if (component is Component.Insert) {
                val end = component.text.offsetByCodePoints(utf16, count)
                piece = component.text.substring(utf16, end)
                utf16 = end
            }
            offset += count
            if (offset == component.length) {
                index++
                offset = 0
                utf16 = 0
            }
            return piece
        }

        fun takeAll(): String = take(remaining)
    }
}
