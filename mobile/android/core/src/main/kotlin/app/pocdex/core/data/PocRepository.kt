package app.pocdex.core.data

import app.pocdex.core.model.LanguageUsage
import app.pocdex.core.model.Poc
import app.pocdex.core.model.PocInput
import app.pocdex.core.model.PocPage
import app.pocdex.core.model.SearchPage
import app.pocdex.core.model.SearchQuery
import app.pocdex.core.model.Suggestions
import app.pocdex.core.model.TagUsage
import app.pocdex.core.network.ApiClient
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.onOk
import io.ktor.http.HttpMethod

/** Filters of the POC list (GET /api/v1/pocs). */
data class PocListFilter(
    val languages: Set<String> = emptySet(),
    val tags: Set<String> = emptySet(),
    val statuses: Set<String> = emptySet(),
    val ordering: String? = null,
)

/**
 * POCs: the cursor-paged list, detail, create, edit, delete and restore. The first page of the list
 * and every detail read are written to the [cache] of the current [organization].
 */
class PocRepository(
    private val api: ApiClient,
    private val cache: OfflineCache,
    private val organization: () -> String,
) {
    suspend fun list(
        cursor: String? = null,
        filter: PocListFilter = PocListFilter(),
        limit: Int = 20,
    ): ApiResult<PocPage> {
        val query =
            buildList {
                add("limit" to limit.toString())
                cursor?.let { add("cursor" to it) }
                filter.languages.forEach { add("language" to it) }
                filter.tags.forEach { add("tag" to it) }
                filter.statuses.forEach { add("status" to it) }
                filter.ordering?.let { add("ordering" to it) }
            }
        return api.get<PocPage>("/api/v1/pocs", query).onOk { page ->
            if (cursor == null && filter == PocListFilter()) cache.saveList(organization(), page.results)
        }
    }

    suspend fun cachedList(): Cached<List<Poc>>? = cache.loadList(organization())

    suspend fun get(id: String): ApiResult<Poc> = api.get<Poc>("/api/v1/pocs/$id").onOk { cache.savePoc(organization(), it) }

    suspend fun cached(id: String): Cached<Poc>? = cache.loadPoc(organization(), id)

    suspend fun create(input: PocInput): ApiResult<Poc> = api.post<PocInput, Poc>("/api/v1/pocs", input).onOk { cache.savePoc(organization(), it) }

    suspend fun update(
        id: String,
        input: PocInput,
    ): ApiResult<Poc> = api.patch<PocInput, Poc>("/api/v1/pocs/$id", input).onOk { cache.savePoc(organization(), it) }

    /** Soft delete: restorable for the platform's window (POST restore). */
    suspend fun delete(id: String): ApiResult<Unit> = api.send(HttpMethod.Delete, "/api/v1/pocs/$id").onOk { cache.removePoc(organization(), id) }

    suspend fun restore(id: String): ApiResult<Poc> = api.postEmpty<Poc>("/api/v1/pocs/$id/restore").onOk { cache.savePoc(organization(), it) }

    suspend fun deleted(): ApiResult<List<Poc>> = api.getList("/api/v1/pocs/deleted", Poc.serializer())

    suspend fun languages(q: String = ""): ApiResult<List<LanguageUsage>> =
        api.getList("/api/v1/languages", LanguageUsage.serializer(), if (q.isBlank()) emptyList() else listOf("q" to q))

    suspend fun tags(q: String = ""): ApiResult<List<TagUsage>> =
        api.getList("/api/v1/tags", TagUsage.serializer(), if (q.isBlank()) emptyList() else listOf("q" to q))
}

/** Full-text search with facets and highlights, and the suggestions under the search field. */
class SearchRepository(
    private val api: ApiClient,
) {
    suspend fun search(
        query: SearchQuery,
        cursor: String? = null,
        limit: Int = 20,
    ): ApiResult<SearchPage> {
        val params =
            buildList {
                if (query.text.isNotBlank()) add("q" to query.text.trim())
                query.languages.sorted().forEach { add("language" to it) }
                query.tags.sorted().forEach { add("tag" to it) }
                query.status?.let { add("status" to it) }
                query.sort?.let { add("sort" to it) }
                cursor?.let { add("cursor" to it) }
                add("limit" to limit.toString())
            }
        return api.get<SearchPage>("/api/v1/search/pocs", params)
    }

    suspend fun suggest(text: String): ApiResult<Suggestions> = api.get<Suggestions>("/api/v1/search/suggest", listOf("q" to text.trim()))
}
