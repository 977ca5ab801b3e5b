package app.pocdex.ui.support

import androidx.compose.runtime.Composable
import androidx.compose.ui.test.junit4.ComposeContentTestRule
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.theme.PocdexRoot

/** Both shipped languages, for JUnit's Parameterized runner: every UI test runs in each. */
fun bothLanguages(): List<Array<Any>> = listOf(arrayOf(Strings.English), arrayOf(Strings.PortugueseBrazil))

fun ComposeContentTestRule.show(
    strings: Strings,
    dark: Boolean = false,
    content: @Composable () -> Unit,
) = setContent { PocdexRoot(strings, dark) { content() } }

/** Shorthand: the text of [key] in [strings]. */
operator fun Strings.invoke(key: Str): String = get(key)
