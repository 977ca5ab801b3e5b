package app.pocdex.core.model

import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonObject

object PocStatuses {
    const val IDEA = "idea"
    const val IN_PROGRESS = "in_progress"
    const val DONE = "done"
    const val ABANDONED = "abandoned"
    val all: List<String> = listOf(IDEA, IN_PROGRESS, DONE, ABANDONED)
}

object PocOutcomes {
    const val VALIDATED = "validated"
    const val INVALIDATED = "invalidated"
    const val INCONCLUSIVE = "inconclusive"
    val all: List<String> = listOf(VALIDATED, INVALIDATED, INCONCLUSIVE)
}

object PocVisibilities {
    const val TEAM = "team"
    const val PRIVATE = "private"
}

@Serializable
data class LanguageRef(
    val slug: String,
    val name: String,
    val kind: String = "language",
)

@Serializable
data class TagRef(
    val slug: String,
    val label: String,
)

@Serializable
data class PersonRef(
    val id: String,
    val name: String,
)

@Serializable
data class Link(
    val title: String = "",
    val url: String,
)

@Serializable
data class Poc(
    val id: String,
    val name: String,
    val summary: String = "",
    val description: String = "",
    val status: String = PocStatuses.IDEA,
    val hypothesis: String = "",
    val outcome: String = "",
    val learnings: String = "",
    val languages: List<LanguageRef> = emptyList(),
    val tags: List<TagRef> = emptyList(),
    @SerialName("repository_url") val repositoryUrl: String = "",
    @SerialName("repository_host") val repositoryHost: String = "",
    val links: List<Link> = emptyList(),
    @SerialName("started_on") val startedOn: String? = null,
    @SerialName("finished_on") val finishedOn: String? = null,
    val visibility: String = PocVisibilities.TEAM,
    val author: PersonRef? = null,
    val contributors: List<String> = emptyList(),
    @SerialName("contributor_refs") val contributorRefs: List<PersonRef> = emptyList(),
    @SerialName("can_edit") val canEdit: Boolean = false,
    @SerialName("created_at") val createdAt: String = "",
    @SerialName("updated_at") val updatedAt: String = "",
    @SerialName("deleted_at") val deletedAt: String? = null,
    @SerialName("restorable_until") val restorableUntil: String? = null,
)

/** Body of create (all set fields) and edit (PATCH: only non-null fields are sent). */
@Serializable
data class PocInput(
    val name: String? = null,
    val summary: String? = null,
    val description: String? = null,
    val status: String? = null,
    val hypothesis: String? = null,
    val outcome: String? = null,
    val learnings: String? = null,
    val languages: List<String>? = null,
    val tags: List<String>? = null,
    @SerialName("repository_url") val repositoryUrl: String? = null,
    val links: List<Link>? = null,
    @SerialName("started_on") val startedOn: String? = null,
    @SerialName("finished_on") val finishedOn: String? = null,
    val visibility: String? = null,
    val contributors: List<String>? = null,
)

@Serializable
data class PocPage(
    val results: List<Poc> = emptyList(),
    val next: String? = null,
)

@Serializable
data class LanguageUsage(
    val slug: String,
    val name: String,
    val kind: String = "language",
    val count: Int = 0,
)

@Serializable
data class TagUsage(
    val slug: String,
    val label: String,
    val count: Int = 0,
)

@Serializable
data class Highlights(
    val name: List<String> = emptyList(),
    val summary: List<String> = emptyList(),
    val description: List<String> = emptyList(),
)

@Serializable
data class SearchResult(
    val id: String,
    val name: String,
    val summary: String = "",
    val status: String = PocStatuses.IDEA,
    val outcome: String = "",
    val visibility: String = PocVisibilities.TEAM,
    val languages: List<String> = emptyList(),
    val tags: List<String> = emptyList(),
    @SerialName("tag_labels") val tagLabels: List<String> = emptyList(),
    @SerialName("author_id") val authorId: String = "",
    @SerialName("author_name") val authorName: String = "",
    @SerialName("started_on") val startedOn: String? = null,
    @SerialName("finished_on") val finishedOn: String? = null,
    @SerialName("created_at") val createdAt: String = "",
    @SerialName("updated_at") val updatedAt: String = "",
    val highlights: Highlights = Highlights(),
)

@Serializable
data class Facet(
    val value: String,
    val count: Int = 0,
)

@Serializable
data class AuthorFacet(
    val value: String,
    val label: String = "",
    val count: Int = 0,
)

@Serializable
data class Facets(
    val languages: List<Facet> = emptyList(),
    val tags: List<Facet> = emptyList(),
    val status: List<Facet> = emptyList(),
    val authors: List<AuthorFacet> = emptyList(),
)

@Serializable
data class SearchPage(
    val results: List<SearchResult> = emptyList(),
    val next: String? = null,
    val total: Int = 0,
    val facets: Facets = Facets(),
)

@Serializable
data class NameSuggestion(
    val id: String,
    val name: String,
)

@Serializable
data class LanguageSuggestion(
    val value: String,
    val label: String = "",
    val count: Int = 0,
)

@Serializable
data class Suggestions(
    val names: List<NameSuggestion> = emptyList(),
    val tags: List<Facet> = emptyList(),
    val languages: List<LanguageSuggestion> = emptyList(),
)

/** A search: the text plus the facet filters the chips set. */
data class SearchQuery(
    val text: String = "",
    val languages: Set<String> = emptySet(),
    val tags: Set<String> = emptySet(),
    val status: String? = null,
    val sort: String? = null,
)

@Serializable
data class PresignedRequest(
    val method: String,
    val url: String,
    val headers: Map<String, String> = emptyMap(),
    @SerialName("expires_at") val expiresAt: String = "",
)

object AttachmentStates {
    const val PENDING = "pending"
    const val READY = "ready"
}

@Serializable
data class Attachment(
    val id: String,
    val filename: String,
    @SerialName("content_type") val contentType: String,
    val size: Long,
    val state: String = AttachmentStates.PENDING,
    val sha256: String = "",
    @SerialName("uploaded_by") val uploadedBy: String = "",
    @SerialName("created_at") val createdAt: String = "",
    @SerialName("completed_at") val completedAt: String? = null,
    val upload: PresignedRequest? = null,
    val download: PresignedRequest? = null,
)

@Serializable
data class AttachmentCreate(
    val filename: String,
    @SerialName("content_type") val contentType: String,
    val size: Long,
)

/** Kept for forward compatibility: the detail may carry objects the app does not model. */
typealias RawObject = JsonObject
