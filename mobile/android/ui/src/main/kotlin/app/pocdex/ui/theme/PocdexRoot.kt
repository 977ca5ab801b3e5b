package app.pocdex.ui.theme

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.Modifier
import app.pocdex.ui.strings.LocalStrings
import app.pocdex.ui.strings.Strings

/** The theme and the language's texts around any screen: what the Android activity, the tests and the screenshots use. */
@Composable
fun PocdexRoot(
    strings: Strings,
    darkTheme: Boolean,
    modifier: Modifier = Modifier,
    content: @Composable () -> Unit,
) {
    PocdexTheme(darkTheme) {
        CompositionLocalProvider(LocalStrings provides strings) {
            Surface(modifier, color = MaterialTheme.colorScheme.background, content = content)
        }
    }
}
