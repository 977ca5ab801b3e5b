package app.pocdex.ui.support

import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.junit4.ComposeContentTestRule
import androidx.compose.ui.test.performClick

/**
 * Material's date picker exposes each day as a button whose text is the full date
 * ("Saturday, March 21, 2026"; in Portuguese "sábado, 21 de março de 2026"): the one of the
 * shown month whose text holds the day number as a word and the year.
 */
fun dayButton(
    day: Int,
    year: Int,
): SemanticsMatcher =
    hasClickAction() and
        SemanticsMatcher("day $day of $year") { node ->
            node.config.getOrNull(SemanticsProperties.Text).orEmpty().any {
                Regex("(^|\\D)$day(\\D|$)").containsMatchIn(it.text.replace("$year", "")) && it.text.contains("$year")
            }
        }

/** A number of Material's time picker dial ("21 hours", "9 o'clock", "30 minutes"), by its accessible description. */
fun clockNumber(number: Int): SemanticsMatcher =
    hasClickAction() and
        SemanticsMatcher("clock number $number") { node ->
            node.config.getOrNull(SemanticsProperties.ContentDescription).orEmpty().any {
                Regex("^0?$number\\b").containsMatchIn(it.trim())
            }
        }

/** The time picker's selector of hours or of minutes (a radio button showing the current value, e.g. "00"). */
fun clockSelector(shown: String): SemanticsMatcher =
    SemanticsMatcher.expectValue(SemanticsProperties.Role, Role.RadioButton) and
        SemanticsMatcher("selector showing $shown") { node ->
            node.config
                .getOrNull(SemanticsProperties.Text)
                .orEmpty()
                .any { it.text == shown }
        }

/** Taps the day [day] of [year] in the open date picker. */
fun ComposeContentTestRule.pickDay(
    day: Int,
    year: Int,
) {
    onNode(dayButton(day, year)).performClick()
}
