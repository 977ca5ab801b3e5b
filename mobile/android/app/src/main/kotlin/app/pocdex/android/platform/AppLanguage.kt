package app.pocdex.android.platform

import androidx.appcompat.app.AppCompatDelegate
import androidx.core.os.LocaleListCompat
import java.util.Locale

/**
 * The app's language, per app: Android 13+ keeps it in the system (LocaleManager, also shown in
 * the system settings through locales_config.xml); below that AppCompat stores it itself
 * (autoStoreLocales in the manifest). Changing it recreates the activities.
 */
object AppLanguage {
    const val ENGLISH = "en"
    const val PORTUGUESE_BRAZIL = "pt-BR"

    /** "pt-BR" or "en": the chosen language, or the phone's when none was chosen. */
    fun current(): String {
        val chosen = AppCompatDelegate.getApplicationLocales()
        val locale = if (chosen.isEmpty) Locale.getDefault() else chosen[0] ?: Locale.getDefault()
        return tagFor(locale.language)
    }

    /** Sets the language ([ENGLISH] or [PORTUGUESE_BRAZIL]); null follows the phone again. */
    fun set(tag: String?) {
        val locales = if (tag == null) LocaleListCompat.getEmptyLocaleList() else LocaleListCompat.forLanguageTags(tagFor(tag))
        if (locales != AppCompatDelegate.getApplicationLocales()) AppCompatDelegate.setApplicationLocales(locales)
    }

    /** The supported tag for a language or tag ("pt", "pt-PT", "pt-BR" -> "pt-BR"; anything else -> "en"). */
    fun tagFor(languageOrTag: String): String = if (languageOrTag.lowercase().startsWith("pt")) PORTUGUESE_BRAZIL else ENGLISH
}
