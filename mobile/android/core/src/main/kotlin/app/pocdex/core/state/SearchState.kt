package app.pocdex.core.state

import app.pocdex.core.data.SearchRepository
import app.pocdex.core.model.Facets
import app.pocdex.core.model.SearchQuery
import app.pocdex.core.model.SearchResult
import app.pocdex.core.model.Suggestions
import app.pocdex.core.network.ApiResult
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.FlowPreview
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.collectLatest
import kotlinx.coroutines.flow.debounce
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.launch

enum class FacetGroup { Language, Tag, Status }

data class FacetChip(
    val group: FacetGroup,
    val value: String,
    val count: Int,
    val selected: Boolean,
)

data class SearchUiState(
    /** The text in the field (updated at once; the search follows after the debounce). */
    val text: String = "",
    val query: SearchQuery = SearchQuery(),
    val suggestions: Suggestions = Suggestions(),
    val results: List<SearchResult> = emptyList(),
    val total: Int = 0,
    val chips: List<FacetChip> = emptyList(),
    val loading: Boolean = false,
    val loadingMore: Boolean = false,
    val nextCursor: String? = null,
    val error: UiError? = null,
    /** The query the results answer (null: nothing searched yet). */
    val resultsFor: SearchQuery? = null,
) {
    val isIdle: Boolean get() = resultsFor == null && !loading && error == null
    val isEmpty: Boolean get() = resultsFor != null && results.isEmpty() && !loading && error == null
    val offline: Boolean get() = error?.kind == ErrorKind.Network
    val canLoadMore: Boolean get() = nextCursor != null && !loadingMore && !loading
}

/**
 * Search as you type: every change of the text or of a facet chip is debounced by [debounceMillis]
 * (80 ms by default, at most 100 ms) and the previous request is cancelled when a new query starts (collectLatest).
 * Suggestions follow the text the same way. A blank text without filters shows nothing.
 */
@OptIn(FlowPreview::class)
class SearchStateHolder(
    private val scope: CoroutineScope,
    private val search: SearchRepository,
    private val debounceMillis: Long = DEFAULT_DEBOUNCE_MILLIS,
    private val pageSize: Int = 20,
) : StateHolder<SearchUiState>(SearchUiState()) {
    private val queries = MutableStateFlow(SearchQuery())

    init {
        require(debounceMillis in 0..100) { "the search debounce is at most 100 ms" }
        scope.launch {
            queries.debounce(debounceMillis).distinctUntilChanged().collectLatest { run(it) }
        }
        scope.launch {
            queries.map { it.text.trim() }.debounce(debounceMillis).distinctUntilChanged().collectLatest { text ->
                if (text.length < 2) {
                    update { it.copy(suggestions = Suggestions()) }
                } else {
                    when (val answer = search.suggest(text)) {
                        is ApiResult.Ok -> update { if (it.query.text.trim() == text) it.copy(suggestions = answer.value) else it }
                        is ApiResult.Err -> update { it.copy(suggestions = Suggestions()) }
                    }
                }
            }
        }
    }

    fun onQueryChange(text: String) = setQuery(current.query.copy(text = text))

    fun toggleFacet(
        group: FacetGroup,
        value: String,
    ) {
        val q = current.query
        setQuery(
            when (group) {
                FacetGroup.Language -> q.copy(languages = q.languages.toggle(value))
                FacetGroup.Tag -> q.copy(tags = q.tags.toggle(value))
                FacetGroup.Status -> q.copy(status = if (q.status == value) null else value)
            },
        )
    }

    fun clearFilters() = setQuery(current.query.copy(languages = emptySet(), tags = emptySet(), status = null))

    /** A name suggestion picked: search for that name. */
    fun selectSuggestion(name: String) = setQuery(current.query.copy(text = name))

    fun retry() {
        scope.launch { run(current.query) }
    }

    fun loadMore() {
        val s = current
        val cursor = s.nextCursor ?: return
        val query = s.resultsFor ?: return
        if (s.loadingMore || s.loading) return
        update { it.copy(loadingMore = true) }
        scope.launch {
            when (val answer = search.search(query, cursor, pageSize)) {
                is ApiResult.Ok -> {
                    update {
                        if (it.resultsFor != query) {
                            it.copy(loadingMore = false)
                        } else {
                            it.copy(results = it.results + answer.value.results, nextCursor = answer.value.next, loadingMore = false)
                        }
                    }
                }

                is ApiResult.Err -> {
                    update { it.copy(loadingMore = false, error = UiError.from(answer.error)) }
                }
            }
        }
    }

    private fun setQuery(query: SearchQuery) {
        update { it.copy(text = query.text, query = query, chips = chips(it.lastFacets, query)) }
        queries.value = query
    }

    private suspend fun run(query: SearchQuery) {
        if (query.text.isBlank() && query.languages.isEmpty() && query.tags.isEmpty() && query.status == null) {
            lastFacets = Facets()
            update { it.copy(results = emptyList(), total = 0, nextCursor = null, loading = false, error = null, resultsFor = null, chips = emptyList()) }
            return
        }
        update { it.copy(loading = true, error = null) }
        when (val answer = search.search(query, null, pageSize)) {
            is ApiResult.Ok -> {
                lastFacets = answer.value.facets
                update {
                    it.copy(
                        results = answer.value.results,
                        total = answer.value.total,
                        nextCursor = answer.value.next,
                        loading = false,
                        resultsFor = query,
                        chips = chips(answer.value.facets, it.query),
                    )
                }
            }

            is ApiResult.Err -> {
                update { it.copy(loading = false, error = UiError.from(answer.error), resultsFor = query, results = emptyList(), total = 0) }
            }
        }
    }

    private var lastFacets: Facets = Facets()

    private val SearchUiState.lastFacets: Facets get() = this@SearchStateHolder.lastFacets

    private fun Set<String>.toggle(value: String): Set<String> = if (value in this) this - value else this + value

    companion object {
        /** Short enough that debounce plus a round trip stays under 150 ms, long enough to skip most keystrokes. */
        const val DEFAULT_DEBOUNCE_MILLIS: Long = 80

        /** The chips: the facets of the last answer, with the selected values first (kept even at count 0). */
        fun chips(
            facets: Facets,
            query: SearchQuery,
        ): List<FacetChip> {
            fun group(
                group: FacetGroup,
                values: List<Pair<String, Int>>,
                selected: Set<String>,
            ): List<FacetChip> {
                val counted = values.map { (v, c) -> FacetChip(group, v, c, v in selected) }
                val missing = selected.filter { s -> values.none { it.first == s } }.map { FacetChip(group, it, 0, true) }
                return (missing + counted).sortedByDescending { it.selected }
            }
            return group(FacetGroup.Language, facets.languages.map { it.value to it.count }, query.languages) +
                group(FacetGroup.Tag, facets.tags.map { it.value to it.count }, query.tags) +
                group(FacetGroup.Status, facets.status.map { it.value to it.count }, setOfNotNull(query.status))
        }
    }
}
