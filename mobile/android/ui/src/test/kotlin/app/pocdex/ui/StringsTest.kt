package app.pocdex.ui

import app.pocdex.ui.components.displayDateTime
import app.pocdex.ui.screens.noticeText
import app.pocdex.ui.strings.Language
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import org.junit.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class StringsTest {
    private val tables = listOf(Strings.English, Strings.PortugueseBrazil)

    @Test fun everyKeyHasANonBlankTextInEveryLanguage() {
        val missing =
            tables.flatMap { table ->
                Str.entries.filter { runCatching { table[it] }.getOrNull().isNullOrBlank() }.map { "${table.language.tag}:$it" }
            }
        assertTrue(missing.isEmpty(), "keys without text: $missing")
    }

    @Test fun placeholdersAreTheSameInBothLanguages() {
        val differing =
            Str.entries.filter {
                Strings.placeholders(Strings.English[it]) != Strings.placeholders(Strings.PortugueseBrazil[it])
            }
        assertTrue(differing.isEmpty(), "placeholders differ: $differing")
    }

    // Equal in both languages on purpose: loanwords and pure layout of placeholders.
    private val sameByDesign =
        setOf(Str.DETAIL_DATES, Str.A11Y_FACET, Str.DOJOS_TITLE, Str.LIVE_CHAT, Str.REPLAY_SEATS, Str.EVENT_CHAT, Str.REPORTS_VERTICAL)

    @Test fun portugueseIsActuallyTranslated() {
        // Names and single technical words may be equal in both; sentences may not.
        val same =
            Str.entries.filter {
                it !in sameByDesign && Strings.English[it] == Strings.PortugueseBrazil[it] && Strings.English[it].contains(' ')
            }
        assertTrue(same.isEmpty(), "untranslated sentences: $same")
    }

    @Test fun formatFillsPositionalPlaceholdersAndLiteralPercent() {
        assertEquals(
            "Used to log in: lab-agil",
            Strings.English.format(Str.SIGNUP_ORG_SLUG_HINT, "lab-agil"),
        )
        assertEquals("Boas-vindas a Lab! Você entrou como membro.", Strings.PortugueseBrazil.format(Str.INVITE_ACCEPTED, "Lab", "membro"))
        assertEquals(setOf("1s", "2d"), Strings.placeholders("%1\$s has %2\$d, 100%%"))
    }

    @Test fun noticesTheDojoClientRaisesItselfHaveTheirOwnText() {
        // The session raises these with an empty message: the generic fallback would show the bare code.
        val codes = listOf("not_connected", "empty_message", "resync", "operation_too_large", "text_too_long")
        for (table in tables) {
            val texts = codes.map { table.noticeText(it, "") }
            val generic = codes.filter { table.noticeText(it, "") == table.format(Str.NOTICE_GENERIC, it) }
            assertTrue(generic.isEmpty(), "${table.language.tag}: generic text for $generic")
            assertEquals(codes.size, texts.toSet().size, "${table.language.tag}: two codes share a text: $texts")
        }
    }

    @Test fun instantsReadInThePersonsZoneAndLanguage() {
        val saoPaulo = java.time.ZoneId.of("America/Sao_Paulo")
        // 00:30 UTC on the 15th is 21:30 on the 14th in Sao Paulo.
        assertEquals("14/12/2026 21:30", Strings.PortugueseBrazil.displayDateTime("2026-12-15T00:30:00Z", saoPaulo))
        assertEquals("Dec 14, 2026 9:30 PM", Strings.English.displayDateTime("2026-12-15T00:30:00Z", saoPaulo))
        assertEquals("not a date", Strings.English.displayDateTime("not a date", saoPaulo))
    }

    @Test fun languageTagsMapToTheShippedTables() {
        assertEquals(Language.PT_BR, Strings.forTag("pt-BR").language)
        assertEquals(Language.PT_BR, Strings.forTag("pt_BR").language)
        assertEquals(Language.EN, Strings.forTag("en-US").language)
        assertEquals(Language.EN, Strings.forTag(null).language)
    }
}
