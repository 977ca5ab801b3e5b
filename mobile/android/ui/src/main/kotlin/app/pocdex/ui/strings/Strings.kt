package app.pocdex.ui.strings

import androidx.compose.runtime.Composable
import androidx.compose.runtime.ReadOnlyComposable
import androidx.compose.runtime.staticCompositionLocalOf

/** The languages the app ships. [tag] is the BCP 47 tag; [resourceQualifier] the Android `values-` suffix. */
enum class Language(
    val tag: String,
    val resourceQualifier: String,
) {
    EN("en", ""),
    PT_BR("pt-BR", "pt-rBR"),
    ;

    companion object {
        /** "pt-BR", "pt_BR", "pt" map to Portuguese (Brazil); anything else to English. */
        fun fromTag(tag: String?): Language {
            val lower = tag?.lowercase()?.replace('_', '-') ?: return EN
            return if (lower == "pt" || lower.startsWith("pt-")) PT_BR else EN
        }
    }
}

/**
 * Every user-visible text of the screens, in one language. Screens read it from
 * [LocalStrings]; the app provides the table of the person's language, tests provide
 * either. Placeholders are positional and Android-compatible: `%1$s` (text), `%1$d` (integer).
 */
class Strings internal constructor(
    val language: Language,
    private val table: Map<Str, String>,
) {
    operator fun get(key: Str): String = table[key] ?: error("${language.tag} has no text for $key")

    /** [key]'s text with its placeholders filled; `%%` is a literal percent sign. */
    fun format(
        key: Str,
        vararg args: Any?,
    ): String = fill(get(key), args)

    /** [one] when [count] is 1, otherwise [other]; both take the count as `%1$d`. */
    fun count(
        one: Str,
        other: Str,
        count: Int,
    ): String = format(if (count == 1) one else other, count)

    override fun toString(): String = language.tag

    companion object {
        val English: Strings = Strings(Language.EN, englishTable)
        val PortugueseBrazil: Strings = Strings(Language.PT_BR, portugueseBrazilTable)

        fun of(language: Language): Strings =
            when (language) {
                Language.EN -> English
                Language.PT_BR -> PortugueseBrazil
            }

        /** The table for a BCP 47 tag ("pt-BR", "en-US"...), English when the language is not shipped. */
        fun forTag(tag: String?): Strings = of(Language.fromTag(tag))

        private val placeholder = Regex("%(\\d+)\\$([sd])|%%")

        /** The placeholders of [text], e.g. {"1s", "2d"}; used by the tests to compare languages. */
        fun placeholders(text: String): Set<String> =
            placeholder
                .findAll(text)
                .filter { it.value != "%%" }
                .map { it.groupValues[1] + it.groupValues[2] }
                .toSet()

        internal fun fill(
            text: String,
            args: Array<out Any?>,
        ): String =
            placeholder.replace(text) { match ->
                if (match.value == "%%") {
                    "%"
                } else {
                    val index = match.groupValues[1].toInt() - 1
                    args.getOrNull(index)?.toString() ?: ""
                }
            }
    }
}

/** The current language's texts. */
val LocalStrings = staticCompositionLocalOf { Strings.English }

/** Shorthand inside composables: `text(Str.LOGIN_TITLE)`. */
@Composable
@ReadOnlyComposable
fun text(key: Str): String = LocalStrings.current[key]

@Composable
@ReadOnlyComposable
fun text(
    key: Str,
    vararg args: Any?,
): String = LocalStrings.current.format(key, *args)
