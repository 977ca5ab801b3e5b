package app.pocdex.ui.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.LazyRow
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Clear
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.OutlinedTextFieldDefaults
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.AnnotatedString
import androidx.compose.ui.text.SpanStyle
import androidx.compose.ui.text.buildAnnotatedString
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.text.withStyle
import androidx.compose.ui.unit.dp
import app.pocdex.core.state.FacetChip
import app.pocdex.core.state.FacetGroup
import app.pocdex.core.state.SearchUiState
import app.pocdex.ui.components.Banner
import app.pocdex.ui.components.BannerKind
import app.pocdex.ui.components.EmptyState
import app.pocdex.ui.components.ErrorState
import app.pocdex.ui.components.MinTouch
import app.pocdex.ui.components.OfflineBanner
import app.pocdex.ui.components.ToggleChip
import app.pocdex.ui.strings.LocalStrings
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.strings.errorText
import app.pocdex.ui.strings.statusText
import app.pocdex.ui.strings.text
import app.pocdex.ui.theme.PocdexTheme

object SearchTags {
    const val FIELD = "search.field"
    const val CLEAR = "search.clear"
    const val RESULTS = "search.results"
    const val COUNT = "search.count"
    const val CLEAR_FILTERS = "search.clearFilters"

    fun suggestion(name: String) = "search.suggestion.$name"

    fun chip(
        group: FacetGroup,
        value: String,
    ) = "search.chip.${group.name}.$value"

    fun result(id: String) = "search.result.$id"
}

/** The search's `<mark>…</mark>` fragments (HTML-escaped) as styled text. */
fun highlighted(
    fragment: String,
    highlight: Color,
): AnnotatedString =
    buildAnnotatedString {
        var rest = fragment
        while (rest.isNotEmpty()) {
            val start = rest.indexOf("<mark>")
            if (start < 0) {
                append(unescapeHtml(rest))
                break
            }
            append(unescapeHtml(rest.substring(0, start)))
            val end = rest.indexOf("</mark>", start)
            val inner = if (end < 0) rest.substring(start + 6) else rest.substring(start + 6, end)
            withStyle(SpanStyle(background = highlight, fontWeight = FontWeight.Bold)) { append(unescapeHtml(inner)) }
            rest = if (end < 0) "" else rest.substring(end + 7)
        }
    }

internal fun unescapeHtml(s: String): String =
    s
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")

class SearchActions(
    val onQueryChange: (String) -> Unit = {},
    val onToggleFacet: (FacetGroup, String) -> Unit = { _, _ -> },
    val onClearFilters: () -> Unit = {},
    val onSelectSuggestion: (String) -> Unit = {},
    val onRetry: () -> Unit = {},
    val onLoadMore: () -> Unit = {},
    val onOpen: (String) -> Unit = {},
)

/** Search as you type: suggestions, facet chips (language, tag, status) and highlighted matches. */
@Composable
fun SearchScreen(
    state: SearchUiState,
    actions: SearchActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    Column(modifier.fillMaxSize()) {
        Surface(color = MaterialTheme.colorScheme.surface) {
            Column(Modifier.padding(start = 16.dp, end = 16.dp, top = 16.dp, bottom = 4.dp)) {
                SearchField(state.text, actions)
                if (state.loading) {
                    LinearProgressIndicator(Modifier.fillMaxWidth().padding(top = 4.dp).semantics { contentDescription = strings[Str.LOADING] })
                }
            }
        }
        val names = state.suggestions.names
        if (state.text.isNotBlank() && names.isNotEmpty() && names.none { it.name == state.text }) {
            Suggestions(names.map { it.name }.take(5), actions.onSelectSuggestion)
        }
        if (state.chips.isNotEmpty()) FacetRow(state.chips, actions.onToggleFacet, strings)
        Box(Modifier.weight(1f).fillMaxWidth()) {
            when {
                state.error != null && state.results.isEmpty() -> {
                    if (state.offline) {
                        Column(Modifier.padding(16.dp)) { OfflineBanner(message = text(Str.ERR_NETWORK), onRetry = actions.onRetry) }
                    } else {
                        ErrorState(strings.errorText(state.error!!), onRetry = actions.onRetry)
                    }
                }

                state.isIdle -> {
                    EmptyState(Icons.Filled.Search, text(Str.SEARCH_IDLE_TITLE), text(Str.SEARCH_IDLE_MESSAGE))
                }

                state.isEmpty -> {
                    EmptyState(
                        Icons.Filled.Search,
                        text(Str.SEARCH_EMPTY_TITLE),
                        text(Str.SEARCH_EMPTY_MESSAGE, state.resultsFor?.text ?: state.text),
                        actionLabel = if (state.chips.any { it.selected }) text(Str.SEARCH_CLEAR_FILTERS) else null,
                        onAction = actions.onClearFilters,
                    )
                }

                else -> {
                    Results(state, actions, strings)
                }
            }
        }
    }
}

@Composable
private fun SearchField(
    value: String,
    actions: SearchActions,
) {
    OutlinedTextField(
        value = value,
        onValueChange = actions.onQueryChange,
        placeholder = { Text(text(Str.SEARCH_HINT), maxLines = 1, overflow = TextOverflow.Ellipsis) },
        leadingIcon = { Icon(Icons.Filled.Search, contentDescription = null) },
        trailingIcon = {
            if (value.isNotEmpty()) {
                IconButton(onClick = { actions.onQueryChange("") }, modifier = Modifier.size(MinTouch).testTag(SearchTags.CLEAR)) {
                    Icon(Icons.Filled.Clear, contentDescription = text(Str.A11Y_CLEAR_SEARCH))
                }
            }
        },
        singleLine = true,
        shape = CircleShape,
        colors =
            OutlinedTextFieldDefaults.colors(
                unfocusedContainerColor = MaterialTheme.colorScheme.surfaceContainerHigh,
                focusedContainerColor = MaterialTheme.colorScheme.surfaceContainerHigh,
                unfocusedBorderColor = Color.Transparent,
            ),
        keyboardOptions = KeyboardOptions(imeAction = ImeAction.Search),
        keyboardActions = KeyboardActions(onSearch = {}),
        modifier =
            Modifier
                .fillMaxWidth()
                .testTag(SearchTags.FIELD),
    )
}

@Composable
private fun Suggestions(
    names: List<String>,
    onSelect: (String) -> Unit,
) {
    Surface(
        color = MaterialTheme.colorScheme.surfaceContainer,
        shape = MaterialTheme.shapes.medium,
        modifier = Modifier.fillMaxWidth().padding(horizontal = 16.dp, vertical = 4.dp),
    ) {
        Column(Modifier.padding(vertical = 4.dp)) {
            Text(
                text(Str.SEARCH_SUGGESTIONS),
                style = MaterialTheme.typography.labelMedium,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
                modifier = Modifier.padding(horizontal = 16.dp, vertical = 4.dp),
            )
            names.forEach { name ->
                Row(
                    Modifier
                        .fillMaxWidth()
                        .heightIn(min = MinTouch)
                        .clickable(onClickLabel = name) { onSelect(name) }
                        .testTag(SearchTags.suggestion(name))
                        .padding(horizontal = 16.dp),
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    Icon(Icons.Filled.Search, contentDescription = null, tint = MaterialTheme.colorScheme.onSurfaceVariant)
                    Spacer(Modifier.width(12.dp))
                    Text(name, style = MaterialTheme.typography.bodyLarge)
                }
            }
        }
    }
}

@Composable
private fun FacetRow(
    chips: List<FacetChip>,
    onToggle: (FacetGroup, String) -> Unit,
    strings: Strings,
) {
    LazyRow(
        contentPadding = PaddingValues(horizontal = 16.dp),
        horizontalArrangement = Arrangement.spacedBy(8.dp),
        modifier = Modifier.fillMaxWidth(),
    ) {
        items(chips, key = { "${it.group}:${it.value}" }) { chip ->
            val label =
                when (chip.group) {
                    FacetGroup.Status -> strings.statusText(chip.value)
                    FacetGroup.Tag -> "#${chip.value}"
                    FacetGroup.Language -> chip.value
                }
            val group =
                when (chip.group) {
                    FacetGroup.Language -> strings[Str.FACET_LANGUAGE]
                    FacetGroup.Tag -> strings[Str.FACET_TAG]
                    FacetGroup.Status -> strings[Str.FACET_STATUS]
                }
            ToggleChip(
                label = "$label · ${chip.count}",
                selected = chip.selected,
                onClick = { onToggle(chip.group, chip.value) },
                tag = SearchTags.chip(chip.group, chip.value),
                modifier = Modifier.semantics { contentDescription = strings.format(Str.A11Y_FACET, group, label, chip.count) },
            )
        }
    }
}

@Composable
private fun Results(
    state: SearchUiState,
    actions: SearchActions,
    strings: Strings,
) {
    val highlight = PocdexTheme.colors.highlight
    LazyColumn(
        Modifier.fillMaxSize().testTag(SearchTags.RESULTS),
        contentPadding = PaddingValues(16.dp),
        verticalArrangement = Arrangement.spacedBy(10.dp),
    ) {
        if (state.error != null) {
            item { Banner(BannerKind.ERROR, strings.errorText(state.error!!), actionLabel = strings[Str.RETRY], onAction = actions.onRetry) }
        }
        item {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(
                    strings.count(Str.SEARCH_RESULTS_ONE, Str.SEARCH_RESULTS_OTHER, state.total),
                    style = MaterialTheme.typography.labelLarge,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                    modifier = Modifier.weight(1f).testTag(SearchTags.COUNT),
                )
                if (state.chips.any { it.selected }) {
                    TextButton(onClick = actions.onClearFilters, modifier = Modifier.heightIn(min = MinTouch).testTag(SearchTags.CLEAR_FILTERS)) {
                        Text(text(Str.SEARCH_CLEAR_FILTERS))
                    }
                }
            }
        }
        items(state.results, key = { it.id }) { r ->
            val nameFragment = r.highlights.name.firstOrNull()
            val summaryFragment = r.highlights.summary.firstOrNull() ?: r.highlights.description.firstOrNull()
            PocCard(
                name = r.name,
                summary = "",
                status = r.status,
                languages = r.languages,
                tags = r.tags,
                onClick = { actions.onOpen(r.id) },
                modifier = Modifier.testTag(SearchTags.result(r.id)),
                title = {
                    Column {
                        Text(
                            if (nameFragment != null) highlighted(nameFragment, highlight) else AnnotatedString(r.name),
                            style = MaterialTheme.typography.titleMedium,
                        )
                        val summary = if (summaryFragment != null) highlighted(summaryFragment, highlight) else AnnotatedString(r.summary)
                        if (summary.isNotEmpty()) {
                            Text(
                                summary,
                                style = MaterialTheme.typography.bodyMedium,
                                color = MaterialTheme.colorScheme.onSurfaceVariant,
                                maxLines = 2,
                                overflow = TextOverflow.Ellipsis,
                            )
                        }
                    }
                },
            )
        }
        if (state.canLoadMore) {
            item {
                LaunchedEffect(state.nextCursor) { actions.onLoadMore() }
                Box(Modifier.fillMaxWidth(), contentAlignment = Alignment.Center) {
                    TextButton(onClick = actions.onLoadMore, modifier = Modifier.heightIn(min = MinTouch)) { Text(text(Str.LOAD_MORE)) }
                }
            }
        }
    }
}
