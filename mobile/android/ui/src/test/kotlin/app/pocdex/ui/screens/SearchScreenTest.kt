package app.pocdex.ui.screens

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import app.pocdex.core.model.SearchQuery
import app.pocdex.core.state.ErrorKind
import app.pocdex.core.state.FacetGroup
import app.pocdex.core.state.SearchUiState
import app.pocdex.core.state.UiError
import app.pocdex.ui.components.StateTags
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.support.Samples
import app.pocdex.ui.support.bothLanguages
import app.pocdex.ui.support.invoke
import app.pocdex.ui.support.show
import org.junit.Rule
import org.junit.Test
import org.junit.runner.RunWith
import org.junit.runners.Parameterized
import kotlin.test.assertEquals

@RunWith(Parameterized::class)
class SearchScreenTest(
    private val s: Strings,
) {
    companion object {
        @JvmStatic
        @Parameterized.Parameters(name = "{0}")
        fun languages() = bothLanguages()
    }

    @get:Rule val rule = createComposeRule()

    @Test fun typingSendsTheQueryAndIdleStateInvitesToSearch() {
        var state by mutableStateOf(SearchUiState())
        rule.show(s) { SearchScreen(state, SearchActions(onQueryChange = { state = state.copy(text = it) })) }
        rule.onNodeWithText(s(Str.SEARCH_IDLE_TITLE)).assertIsDisplayed()
        rule.onNodeWithTag(SearchTags.FIELD).performTextInput("kotln")
        assertEquals("kotln", state.text)
        rule.onNodeWithTag(SearchTags.CLEAR).performClick()
        assertEquals("", state.text)
    }

    @Test fun resultsHighlightsChipsAndSuggestions() {
        val toggled = mutableListOf<Pair<FacetGroup, String>>()
        val picked = mutableListOf<String>()
        val opened = mutableListOf<String>()
        var cleared = 0
        rule.show(s) {
            SearchScreen(
                Samples.search(),
                SearchActions(
                    onToggleFacet = { g, v -> toggled += g to v },
                    onSelectSuggestion = { picked += it },
                    onOpen = { opened += it },
                    onClearFilters = { cleared++ },
                ),
            )
        }
        rule.onNodeWithTag(SearchTags.COUNT).assertIsDisplayed()
        rule.onNodeWithText(s.format(Str.SEARCH_RESULTS_OTHER, 2)).assertIsDisplayed()
        // The highlighted fragment is shown unescaped, without its <mark> tags.
        rule.onNodeWithText("Login com digital & face").assertIsDisplayed()
        rule.onNodeWithTag(SearchTags.chip(FacetGroup.Tag, "auth")).performClick()
        rule.onNodeWithTag(SearchTags.suggestion("Autenticação biométrica no Android")).performClick()
        rule.onNodeWithTag(SearchTags.result("p5")).performClick()
        rule.onNodeWithTag(SearchTags.CLEAR_FILTERS).performClick()
        assertEquals(listOf(FacetGroup.Tag to "auth"), toggled)
        assertEquals(listOf("Autenticação biométrica no Android"), picked)
        assertEquals(listOf("p5"), opened)
        assertEquals(1, cleared)
    }

    @Test fun emptyAndOfflineStates() {
        var state by mutableStateOf(SearchUiState(text = "zzz", resultsFor = SearchQuery("zzz")))
        rule.show(s) { SearchScreen(state, SearchActions()) }
        rule.onNodeWithText(s.format(Str.SEARCH_EMPTY_MESSAGE, "zzz")).assertIsDisplayed()
        state = SearchUiState(text = "kotlin", error = UiError(ErrorKind.Network, "network"))
        rule.onNodeWithTag(StateTags.OFFLINE).assertIsDisplayed()
    }

    @Test fun highlightParsingMarksOnlyTheMatches() {
        val text = highlighted("<mark>Autenticação</mark> &lt;bio&gt; <mark>digital</mark>", Color.Yellow)
        assertEquals("Autenticação <bio> digital", text.text)
        assertEquals(listOf("Autenticação", "digital"), text.spanStyles.map { text.text.substring(it.start, it.end) })
    }
}
