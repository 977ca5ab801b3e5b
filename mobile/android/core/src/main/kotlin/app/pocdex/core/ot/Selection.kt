package app.pocdex.core.ot

import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put

/** At most this many ranges in one selection. */
const val MAX_SELECTION_RANGES: Int = 64

/** One range of a selection, in code points: [anchor] where it started, [head] where the caret is. */
data class SelectionRange(
    val anchor: Int,
    val head: Int,
) {
    val isCaret: Boolean get() = anchor == head

    fun transform(operation: TextOperation): SelectionRange = SelectionRange(OT.transformIndex(operation, anchor), OT.transformIndex(operation, head))

    fun toJson(): JsonObject =
        buildJsonObject {
            put("anchor", anchor)
            put("head", head)
        }
}

/** What one participant has selected; wire form `{"ranges": [{"anchor", "head"}, …]}` (ot.md section 6). */
data class Selection(
    val ranges: List<SelectionRange> = emptyList(),
) {
    /** Every range moved through [operation]; [OTErrorCode.INDEX_OUT_OF_RANGE] if one lies outside its base. */
    fun transform(operation: TextOperation): Selection = Selection(ranges.map { it.transform(operation) })

    fun toJson(): JsonObject = JsonObject(mapOf("ranges" to JsonArray(ranges.map { it.toJson() })))

    companion object {
        fun caret(index: Int): Selection = Selection(listOf(SelectionRange(index, index)))

        /** Parse strictly: exactly the keys `ranges`, `anchor`, `head`; integers in 0..2^31-1; at most 64 ranges. */
        fun fromJson(value: JsonElement): Selection {
            if (value !is JsonObject || value.keys != setOf("ranges")) {
                invalidSelection("a selection is an object with only \"ranges\"")
            }
            val ranges = value["ranges"] as? JsonArray ?: invalidSelection("\"ranges\" is an array")
            if (ranges.size > MAX_SELECTION_RANGES) invalidSelection("at most $MAX_SELECTION_RANGES ranges")
            return Selection(
                ranges.mapIndexed { number, item ->
                    if (item !is JsonObject || item.keys != setOf("anchor", "head")) {
                        invalidSelection("range $number is an object with \"anchor\" and \"head\"")
                    }
                    SelectionRange(bound(number, item["anchor"]), bound(number, item["head"]))
                },
            )
        }

        private fun bound(
            number: Int,
            value: JsonElement?,
        ): Int {
            val parsed = (value as? JsonPrimitive)?.let { TextOperation.parseInteger(it) }
            if (parsed == null || parsed < 0 || parsed > MAX_LENGTH) {
                invalidSelection("range $number: anchor and head are integers in 0..$MAX_LENGTH")
            }
            return parsed.toInt()
        }

        private fun invalidSelection(message: String): Nothing = throw OTError(OTErrorCode.INVALID_SELECTION, message)
    }
}
