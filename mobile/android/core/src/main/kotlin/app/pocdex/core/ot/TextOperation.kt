package app.pocdex.core.ot

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.JsonPrimitive as Primitive

/** The largest component magnitude and the largest base/target length an operation may have (2^31 - 1). */
const val MAX_LENGTH: Int = Int.MAX_VALUE

/** One component of an operation; [length] counts code points. */
sealed interface Component {
    val length: Int

    /** Keep the next [count] code points. Wire form: `count`. */
    data class Retain(
        val count: Int,
    ) : Component {
        override val length: Int get() = count
    }

    /** Insert [text] at the cursor. Wire form: `"text"`. */
    data class Insert(
        val text: String,
    ) : Component {
        override val length: Int = CodePoints.length(text)
    }

    /** Remove the next [count] code points. Wire form: `-count`. */
    data class Delete(
        val count: Int,
    ) : Component {
        override val length: Int get() = count
    }
}

/**
 * An immutable, canonical text operation (docs/protocol/ot.md, section 2): retain / insert /
 * delete components walking a whole document, counted in Unicode code points.
 *
 * Make operations with [TextOperationBuilder] (which keeps them canonical) or parse the wire form
 * strictly with [fromJson]; the constructor validates canonical form and throws
 * [OTErrorCode.INVALID_OPERATION] otherwise.
 */
class TextOperation(
    components: List<Component>,
) {
    val components: List<Component>

    /** Length (code points) of the documents this operation applies to. */
    val baseLength: Int

    /** Length (code points) of the document it produces. */
    val targetLength: Int

    init {
        var base = 0L
        var target = 0L
        var previous: Component? = null
        components.forEachIndexed { index, component ->
            when (component) {
                is Component.Retain -> {
                    if (component.count <= 0) invalid("component $index retains ${component.count} code points")
                }

                is Component.Delete -> {
                    if (component.count <= 0) invalid("component $index deletes ${component.count} code points")
                }

                is Component.Insert -> {
                    if (component.text.isEmpty()) invalid("component $index inserts an empty string")
                    if (CodePoints.hasLoneSurrogate(component.text)) {
                        invalid("component $index contains a lone surrogate code point")
                    }
                }
            }
            if (previous != null && previous!!::class == component::class) {
                invalid("components ${index - 1} and $index are of the same kind: canonical operations merge them")
            }
            if (previous is Component.Delete && component is Component.Insert) {
                invalid("component $index inserts right after a delete: canonical operations put the insert first")
            }
            if (component !is Component.Insert) base += component.length
            if (component !is Component.Delete) target += component.length
            if (base > MAX_LENGTH || target > MAX_LENGTH) invalid("the operation spans more than $MAX_LENGTH code points")
            previous = component
        }
        this.components = components.toList()
        baseLength = base.toInt()
        targetLength = target.toInt()
    }

    /** What a server's `max_operation_size` bounds: components plus inserted code points. */
    val size: Long
        get() = components.size.toLong() + components.sumOf { if (it is Component.Insert) it.length.toLong() else 0L }

    /** True when applying it changes nothing (only retains, or nothing at all). */
    fun isNoop(): Boolean = components.all { it is Component.Retain }

    /** The wire form: a JSON array of components. */
    fun toJson(): JsonArray =
        JsonArray(
            components.map {
                when (it) {
                    is Component.Retain -> Primitive(it.count)
                    is Component.Insert -> Primitive(it.text)
                    is Component.Delete -> Primitive(-it.count)
                }
            },
        )

    /** The document after this operation; [OTErrorCode.LENGTH_MISMATCH] unless it is [baseLength] code points long. */
    fun apply(document: String): String {
        val length = CodePoints.length(document)
        if (length != baseLength) {
            throw OTError(
                OTErrorCode.LENGTH_MISMATCH,
                "the operation expects a document of $baseLength code points, not $length",
            )
        }
        val out = StringBuilder(document.length + 16)
        var offset = 0 // UTF-16 offset in document
        for (component in components) {
            when (component) {
                is Component.Retain -> {
                    val end = document.offsetByCodePoints(offset, component.count)
                    out.append(document, offset, end)
                    offset = end
                }

                is Component.Insert -> {
                    out.append(component.text)
                }

                is Component.Delete -> {
                    offset = document.offsetByCodePoints(offset, component.count)
                }
            }
        }
        return out.toString()
    }

    /** The operation that undoes this one; [document] is the one it was applied to. */
    fun invert(document: String): TextOperation {
        val length = CodePoints.length(document)
        if (length != baseLength) {
            throw OTError(
                OTErrorCode.LENGTH_MISMATCH,
                "cannot invert against a document of $length code points; the operation expects $baseLength",
            )
        }
        val inverse = TextOperationBuilder()
        var offset = 0
        for (component in components) {
            when (component) {
                is Component.Retain -> {
                    inverse.retain(component.count)
                    offset = document.offsetByCodePoints(offset, component.count)
                }

                is Component.Insert -> {
                    inverse.delete(component.length)
                }

                is Component.Delete -> {
                    val end = document.offsetByCodePoints(offset, component.count)
                    inverse.insert(document.substring(offset, end))
                    offset = end
                }
            }
        }
        return inverse.build()
    }

    /** `compose(this, other)`. */
    fun compose(other: TextOperation): TextOperation = OT.compose(this, other)

    override fun equals(other: Any?): Boolean = other is TextOperation && other.components == components

    override fun hashCode(): Int = components.hashCode()

    override fun toString(): String = "TextOperation(${toJson()})"

    companion object {
        private val strictJson = Json { isLenient = false }

        /** The no-op over a document of [length] code points (`[length]`, or `[]` for 0). */
        fun identity(length: Int): TextOperation = TextOperationBuilder().retain(length).build()

        /**
         * Parse a decoded JSON value strictly (docs/protocol/ot.md, "Validity"); never normalizes.
         * Throws [OTErrorCode.INVALID_OPERATION], or [OTErrorCode.OPERATION_TOO_LARGE] when
         * [maxSize] is given and exceeded (an array with more elements than [maxSize] is refused
         * before its elements are looked at).
         */
        fun fromJson(
            value: JsonElement,
            maxSize: Long? = null,
        ): TextOperation {
            if (value !is JsonArray) invalid("an operation is a JSON array")
            if (maxSize != null && value.size > maxSize) throw tooLarge(value.size.toLong(), maxSize)
            val components =
                value.mapIndexed { index, element ->
                    if (element !is JsonPrimitive) invalid("component $index is not an integer or a string")
                    if (element.isString) {
                        Component.Insert(element.content)
                    } else {
                        val number = parseInteger(element) ?: invalid("component $index is not an integer or a string")
                        when {
                            number == 0L -> {
                                invalid("component $index retains or deletes zero code points")
                            }

                            number > MAX_LENGTH || number < -MAX_LENGTH.toLong() -> {
                                invalid("component $index is longer than $MAX_LENGTH")
                            }

                            number > 0 -> {
                                Component.Retain(number.toInt())
                            }

                            else -> {
                                Component.Delete((-number).toInt())
                            }
                        }
                    }
                }
            val operation = TextOperation(components)
            if (maxSize != null && operation.size > maxSize) throw tooLarge(operation.size, maxSize)
            return operation
        }

        /** Parse JSON text (a frame field, a vector); text that is not JSON is an invalid operation. */
        fun fromJsonText(
            text: String,
            maxSize: Long? = null,
        ): TextOperation {
            val element =
                try {
                    strictJson.parseToJsonElement(text)
                } catch (e: IllegalArgumentException) {
                    invalid("not JSON: ${e.message}")
                }
            return fromJson(element, maxSize)
        }

        private val INTEGER = Regex("-?[0-9]+")

        /** A JSON integer as written (no fraction, no exponent, not a boolean/null), or null; beyond 64 bits is null. */
        internal fun parseInteger(primitive: JsonPrimitive): Long? {
            if (primitive.isString) return null
            val content = primitive.content
            if (!INTEGER.matches(content)) return null
            return content.toLongOrNull()
        }

        private fun tooLarge(
            size: Long,
            maxSize: Long,
        ) = OTError(OTErrorCode.OPERATION_TOO_LARGE, "the operation's size is $size; at most $maxSize is accepted")
    }
}

internal fun invalid(message: String): Nothing = throw OTError(OTErrorCode.INVALID_OPERATION, message)

/**
 * Appends components and keeps the result canonical: zero counts and empty inserts are dropped,
 * neighbours of the same kind merge, and an insert given right after a delete goes before it.
 */
class TextOperationBuilder {
    private val components = ArrayList<Component>()

    fun retain(count: Int): TextOperationBuilder {
        require(count >= 0) { "retain count must not be negative" }
        if (count == 0) return this
        val last = components.lastOrNull()
        if (last is Component.Retain) {
            components[components.size - 1] = Component.Retain(Math.addExact(last.count, count))
        } else {
            components.add(Component.Retain(count))
        }
        return this
    }

    fun insert(text: String): TextOperationBuilder {
        if (text.isEmpty()) return this
        val n = components.size
        val last = components.lastOrNull()
        when {
            last is Component.Insert -> {
                components[n - 1] = Component.Insert(last.text + text)
            }

            last is Component.Delete -> {
                val beforeLast = if (n >= 2) components[n - 2] else null
                if (beforeLast is Component.Insert) {
                    components[n - 2] = Component.Insert(beforeLast.text + text)
                } else {
                    components.add(n - 1, Component.Insert(text))
                }
            }

            else -> {
                components.add(Component.Insert(text))
            }
        }
        return this
    }

    fun delete(count: Int): TextOperationBuilder {
        require(count >= 0) { "delete count must not be negative" }
        if (count == 0) return this
        val last = components.lastOrNull()
        if (last is Component.Delete) {
            components[components.size - 1] = Component.Delete(Math.addExact(last.count, count))
        } else {
            components.add(Component.Delete(count))
        }
        return this
    }

    fun build(): TextOperation = TextOperation(components)
}
