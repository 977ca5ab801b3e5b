package app.pocdex.ui.theme

import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.LocalMinimumInteractiveComponentSize
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Shapes
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.ReadOnlyComposable
import androidx.compose.ui.unit.dp

private val PocdexShapes =
    Shapes(
        extraSmall = RoundedCornerShape(6.dp),
        small = RoundedCornerShape(10.dp),
        medium = RoundedCornerShape(14.dp),
        large = RoundedCornerShape(20.dp),
        extraLarge = RoundedCornerShape(28.dp),
    )

/**
 * The app's Material 3 theme. [darkTheme] is passed in (the Android shell reads the
 * system setting; tests and screenshots choose), so this file needs no platform API.
 */
@Composable
fun PocdexTheme(
    darkTheme: Boolean = false,
    content: @Composable () -> Unit,
) {
    // 48 dp touch targets everywhere, as on a phone (desktop Compose defaults to none, for a mouse).
    CompositionLocalProvider(
        LocalPocdexColors provides if (darkTheme) DarkExtended else LightExtended,
        LocalMinimumInteractiveComponentSize provides 48.dp,
    ) {
        MaterialTheme(
            colorScheme = if (darkTheme) DarkColors else LightColors,
            typography = PocdexTypography,
            shapes = PocdexShapes,
            content = content,
        )
    }
}

/** Access to the extended colors: `PocdexTheme.colors.success`. */
object PocdexTheme {
    val colors: PocdexExtendedColors
        @Composable
        @ReadOnlyComposable
        get() = LocalPocdexColors.current
}
