package app.pocdex.ui.theme

import androidx.compose.material3.ColorScheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Immutable
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.graphics.Color

// Pocdex brand: an indigo primary ("the index"), a neutral slate secondary and a
// teal tertiary for what is alive (dojos, presence). Tones follow the Material 3
// tonal palette so contrast holds in both themes.

internal val LightColors: ColorScheme =
    lightColorScheme(
        primary = Color(0xFF4A52D6),
        onPrimary = Color(0xFFFFFFFF),
        primaryContainer = Color(0xFFE0E0FF),
        onPrimaryContainer = Color(0xFF0A0F6B),
        inversePrimary = Color(0xFFBEC2FF),
        secondary = Color(0xFF5B5D72),
        onSecondary = Color(0xFFFFFFFF),
        secondaryContainer = Color(0xFFE0E0F9),
        onSecondaryContainer = Color(0xFF181A2C),
        tertiary = Color(0xFF006A60),
        onTertiary = Color(0xFFFFFFFF),
        tertiaryContainer = Color(0xFF9EF2E4),
        onTertiaryContainer = Color(0xFF00201C),
        background = Color(0xFFFBF8FF),
        onBackground = Color(0xFF1B1B21),
        surface = Color(0xFFFBF8FF),
        onSurface = Color(0xFF1B1B21),
        surfaceVariant = Color(0xFFE3E1EC),
        onSurfaceVariant = Color(0xFF46464F),
        surfaceTint = Color(0xFF4A52D6),
        inverseSurface = Color(0xFF303036),
        inverseOnSurface = Color(0xFFF3EFF7),
        error = Color(0xFFBA1A1A),
        onError = Color(0xFFFFFFFF),
        errorContainer = Color(0xFFFFDAD6),
        onErrorContainer = Color(0xFF410002),
        outline = Color(0xFF777680),
        outlineVariant = Color(0xFFC7C5D0),
        scrim = Color(0xFF000000),
        surfaceBright = Color(0xFFFBF8FF),
        surfaceDim = Color(0xFFDBD9E0),
        surfaceContainerLowest = Color(0xFFFFFFFF),
        surfaceContainerLow = Color(0xFFF5F2FA),
        surfaceContainer = Color(0xFFEFEDF4),
        surfaceContainerHigh = Color(0xFFE9E7EF),
        surfaceContainerHighest = Color(0xFFE4E1E9),
    )

internal val DarkColors: ColorScheme =
    darkColorScheme(
        primary = Color(0xFFBEC2FF),
        onPrimary = Color(0xFF1B2391),
        primaryContainer = Color(0xFF333BBE),
        onPrimaryContainer = Color(0xFFE0E0FF),
        inversePrimary = Color(0xFF4A52D6),
        secondary = Color(0xFFC4C4DD),
        onSecondary = Color(0xFF2D2F42),
        secondaryContainer = Color(0xFF434559),
        onSecondaryContainer = Color(0xFFE0E0F9),
        tertiary = Color(0xFF82D5C8),
        onTertiary = Color(0xFF003731),
        tertiaryContainer = Color(0xFF005048),
        onTertiaryContainer = Color(0xFF9EF2E4),
        background = Color(0xFF131318),
        onBackground = Color(0xFFE4E1E9),
        surface = Color(0xFF131318),
        onSurface = Color(0xFFE4E1E9),
        surfaceVariant = Color(0xFF46464F),
        onSurfaceVariant = Color(0xFFC7C5D0),
        surfaceTint = Color(0xFFBEC2FF),
        inverseSurface = Color(0xFFE4E1E9),
        inverseOnSurface = Color(0xFF303036),
        error = Color(0xFFFFB4AB),
        onError = Color(0xFF690005),
        errorContainer = Color(0xFF93000A),
        onErrorContainer = Color(0xFFFFDAD6),
        outline = Color(0xFF91909A),
        outlineVariant = Color(0xFF46464F),
        scrim = Color(0xFF000000),
        surfaceBright = Color(0xFF39383F),
        surfaceDim = Color(0xFF131318),
        surfaceContainerLowest = Color(0xFF0E0E13),
        surfaceContainerLow = Color(0xFF1B1B21),
        surfaceContainer = Color(0xFF1F1F25),
        surfaceContainerHigh = Color(0xFF2A292F),
        surfaceContainerHighest = Color(0xFF35343A),
    )

/** Colors Material 3 has no role for: test status, offline, dojo roles, remote cursors. */
@Immutable
data class PocdexExtendedColors(
    val success: Color,
    val onSuccess: Color,
    val successContainer: Color,
    val onSuccessContainer: Color,
    val warningContainer: Color,
    val onWarningContainer: Color,
    val pilot: Color,
    val copilot: Color,
    val audience: Color,
    val cursors: List<Color>,
    val highlight: Color,
)

internal val LightExtended =
    PocdexExtendedColors(
        success = Color(0xFF1B6D2F),
        onSuccess = Color(0xFFFFFFFF),
        successContainer = Color(0xFFA6F5AE),
        onSuccessContainer = Color(0xFF002109),
        warningContainer = Color(0xFFFFDEA6),
        onWarningContainer = Color(0xFF271900),
        pilot = Color(0xFF4A52D6),
        copilot = Color(0xFF006A60),
        audience = Color(0xFF777680),
        cursors = listOf(Color(0xFFD81B60), Color(0xFF00897B), Color(0xFFF4511E), Color(0xFF3949AB), Color(0xFF7CB342)),
        highlight = Color(0xFFFFE08A),
    )

internal val DarkExtended =
    PocdexExtendedColors(
        success = Color(0xFF8BD893),
        onSuccess = Color(0xFF003914),
        successContainer = Color(0xFF005320),
        onSuccessContainer = Color(0xFFA6F5AE),
        warningContainer = Color(0xFF5C4300),
        onWarningContainer = Color(0xFFFFDEA6),
        pilot = Color(0xFFBEC2FF),
        copilot = Color(0xFF82D5C8),
        audience = Color(0xFF91909A),
        cursors = listOf(Color(0xFFFF80AB), Color(0xFF64FFDA), Color(0xFFFFAB91), Color(0xFF8C9EFF), Color(0xFFC5E1A5)),
        highlight = Color(0xFF6B5400),
    )

val LocalPocdexColors = staticCompositionLocalOf { LightExtended }
