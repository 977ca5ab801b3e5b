package app.pocdex.core.ot

/**
 * Code point helpers. Every length and position of the protocol counts Unicode code points;
 * Kotlin strings are UTF-16, so a character outside the BMP (an emoji) is two chars but one
 * code point. Nothing in this package indexes a string by char except through these helpers.
 */
object CodePoints {
    /** Number of code points in [text] (a surrogate pair counts once). */
    fun length(text: String): Int = text.codePointCount(0, text.length)

    /** The UTF-16 offset of the code point at [codePointIndex] (0..length). */
    fun utf16Offset(
        text: String,
        codePointIndex: Int,
    ): Int = text.offsetByCodePoints(0, codePointIndex)

    /** The code point index of the UTF-16 [offset]; an offset inside a surrogate pair counts the pair as passed. */
    fun codePointIndex(
        text: String,
        offset: Int,
    ): Int = text.codePointCount(0, offset.coerceIn(0, text.length))

    /** The code points of [text] from [start] (inclusive) to [end] (exclusive), as a string. */
    fun substring(
        text: String,
        start: Int,
        end: Int,
    ): String {
        val from = text.offsetByCodePoints(0, start)
        val to = text.offsetByCodePoints(from, end - start)
        return text.substring(from, to)
    }

    /** True when [text] holds a surrogate that is not half of a well-formed pair. */
    fun hasLoneSurrogate(text: String): Boolean {
        var i = 0
        while (i < text.length) {
            val c = text[i]
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length || !Character.isLowSurrogate(text[i + 1])) return true
                i += 2
                continue
            }
            if (Character.isLowSurrogate(c)) return true
            i++
        }
        return false
    }

    /** The code points of [text] as an array (what tests compare documents by). */
    fun of(text: String): IntArray = text.codePoints().toArray()
}
