package app.pocdex.core.state

import app.pocdex.core.testing.Answer
import app.pocdex.core.testing.FakeBackend
import app.pocdex.core.testing.Fixtures
import app.pocdex.core.testing.holderScope
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.UnconfinedTestDispatcher
import kotlinx.coroutines.test.advanceTimeBy
import kotlinx.coroutines.test.advanceUntilIdle
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

@OptIn(ExperimentalCoroutinesApi::class)
class SearchStateTest {
    private fun TestScope.backend() = FakeBackend(StandardTestDispatcher(testScheduler))

    private fun FakeBackend.searchByText() =
        on("GET /api/v1/search/pocs") { req ->
            val q = req.query["q"]?.single() ?: ""
            Answer(200, Fixtures.searchPage("id-$q" to "Result $q"), delayMillis = if (q == "alpha") 500 else 20)
        }

    @Test
    fun `typing is debounced into one request for the last text`() =
        runTest {
            val backend = backend()
            backend.searchByText()
            backend.on("GET /api/v1/search/suggest", Answer(200, """{"names":[{"id":"1","name":"Kotlin OT"}],"tags":[],"languages":[]}"""))
            val search = SearchStateHolder(holderScope, backend.graph().search, debounceMillis = 100)
            for (text in listOf("k", "ko", "kot", "kotl")) {
                search.onQueryChange(text)
                advanceTimeBy(40)
            }
            assertEquals(0, backend.count("GET /api/v1/search/pocs"))
            assertEquals("kotl", search.state.value.text)
            advanceUntilIdle()
            assertEquals(1, backend.count("GET /api/v1/search/pocs"))
            assertEquals("kotl", backend.last("GET /api/v1/search/pocs")!!.query["q"]!!.single())
            val state = search.state.value
            assertEquals(listOf("Result kotl"), state.results.map { it.name })
            assertEquals(
                listOf("<em>Result kotl</em>"),
                state.results
                    .single()
                    .highlights.name,
            )
            assertEquals("kotl", state.resultsFor!!.text)
            assertEquals(listOf("Kotlin OT"), state.suggestions.names.map { it.name })
            assertEquals(1, backend.count("GET /api/v1/search/suggest"))
        }

    @Test
    fun `a new query cancels the request in flight and its answer never shows`() =
        runTest {
            val backend = backend()
            backend.searchByText()
            backend.on("GET /api/v1/search/suggest", Answer(200, """{"names":[],"tags":[],"languages":[]}"""))
            val search = SearchStateHolder(holderScope, backend.graph().search, debounceMillis = 100)
            val seen = mutableListOf<SearchUiState>()
            backgroundScope.launch(UnconfinedTestDispatcher(testScheduler)) { search.state.toList(seen) }
            search.onQueryChange("alpha")
            advanceTimeBy(150)
            runCurrent()
            assertTrue(search.state.value.loading, "alpha is in flight")
            search.onQueryChange("beta")
            advanceUntilIdle()
            assertEquals(
                listOf("Result beta"),
                search.state.value.results
                    .map { it.name },
            )
            assertTrue(seen.none { s -> s.results.any { it.name == "Result alpha" } })
            assertEquals(listOf("alpha", "beta"), backend.requests.filter { it.path == "/api/v1/search/pocs" }.map { it.query["q"]!!.single() })
        }

    @Test
    fun `facet chips filter the search and stay selected`() =
        runTest {
            val backend = backend()
            backend.searchByText()
            backend.on("GET /api/v1/search/suggest", Answer(200, "{}"))
            val search = SearchStateHolder(holderScope, backend.graph().search)
            search.onQueryChange("ot")
            advanceUntilIdle()
            val kotlinChip =
                search.state.value.chips
                    .first { it.group == FacetGroup.Language }
            assertEquals("kotlin", kotlinChip.value)
            assertFalse(kotlinChip.selected)
            search.toggleFacet(FacetGroup.Language, "kotlin")
            search.toggleFacet(FacetGroup.Status, "idea")
            search.toggleFacet(FacetGroup.Tag, "rare-tag")
            advanceUntilIdle()
            val request = backend.last("GET /api/v1/search/pocs")!!
            assertEquals(listOf("kotlin"), request.query["language"])
            assertEquals(listOf("idea"), request.query["status"])
            assertEquals(listOf("rare-tag"), request.query["tag"])
            val chips = search.state.value.chips
            assertTrue(chips.first { it.value == "kotlin" }.selected)
            assertTrue(chips.first { it.value == "rare-tag" }.selected, "a selected value absent from the facets stays as a chip")
            search.toggleFacet(FacetGroup.Status, "idea")
            search.clearFilters()
            advanceUntilIdle()
            assertEquals(null, backend.last("GET /api/v1/search/pocs")!!.query["language"])
        }

    @Test
    fun `a blank query sends nothing and an empty answer is the empty state`() =
        runTest {
            val backend = backend()
            backend.on("GET /api/v1/search/pocs", Answer(200, Fixtures.searchPage()))
            backend.on("GET /api/v1/search/suggest", Answer(200, "{}"))
            val search = SearchStateHolder(holderScope, backend.graph().search)
            search.onQueryChange("   ")
            advanceUntilIdle()
            assertTrue(search.state.value.isIdle)
            assertEquals(0, backend.requests.size)
            search.onQueryChange("zzz")
            advanceUntilIdle()
            assertTrue(search.state.value.isEmpty)
            backend.offline = true
            search.onQueryChange("zzzz")
            advanceUntilIdle()
            assertTrue(search.state.value.offline)
        }

    @Test
    fun `the debounce is at most 100 ms`() =
        runTest {
            val backend = backend()
            assertThrows<IllegalArgumentException> { SearchStateHolder(holderScope, backend.graph().search, debounceMillis = 300) }
        }
}
