package app.pocdex.core.state

import app.pocdex.core.data.AttachmentRepository
import app.pocdex.core.data.PocRepository
import app.pocdex.core.data.UploadStep
import app.pocdex.core.model.Attachment
import app.pocdex.core.model.Link
import app.pocdex.core.model.Poc
import app.pocdex.core.model.PocInput
import app.pocdex.core.model.PocStatuses
import app.pocdex.core.model.PocVisibilities
import app.pocdex.core.network.ApiError
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.FieldError
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import java.io.InputStream

data class PocListUiState(
    val items: List<Poc> = emptyList(),
    /** First load, nothing to show yet. */
    val loading: Boolean = true,
    /** Pull-to-refresh in progress (items stay visible). */
    val refreshing: Boolean = false,
    val loadingMore: Boolean = false,
    val nextCursor: String? = null,
    /** The items come from the offline cache (no network); [savedAtMillis] says from when. */
    val offline: Boolean = false,
    val savedAtMillis: Long? = null,
    val error: UiError? = null,
    /** Loading the next page failed (the list stays). */
    val loadMoreError: UiError? = null,
) {
    val canLoadMore: Boolean get() = nextCursor != null && !loadingMore && !offline
    val isEmpty: Boolean get() = !loading && error == null && items.isEmpty()
}

/** The POC list: cursor paging, pull-to-refresh and the offline cache when there is no network. */
class PocListStateHolder(
    private val scope: CoroutineScope,
    private val pocs: PocRepository,
    private val pageSize: Int = 20,
    autoLoad: Boolean = true,
) : StateHolder<PocListUiState>(PocListUiState()) {
    private var loadJob: Job? = null

    init {
        if (autoLoad) load(refreshing = false)
    }

    fun refresh() = load(refreshing = true)

    fun retry() = load(refreshing = false)

    private fun load(refreshing: Boolean) {
        loadJob?.cancel()
        update { it.copy(loading = !refreshing || it.items.isEmpty(), refreshing = refreshing, error = null, loadMoreError = null) }
        loadJob =
            scope.launch {
                when (val answer = pocs.list(cursor = null, limit = pageSize)) {
                    is ApiResult.Ok -> {
                        update {
                            it.copy(
                                items = answer.value.results,
                                nextCursor = answer.value.next,
                                loading = false,
                                refreshing = false,
                                offline = false,
                                savedAtMillis = null,
                            )
                        }
                    }

                    is ApiResult.Err -> {
                        val cached = if (answer.error is ApiError.Network) pocs.cachedList() else null
                        update {
                            if (cached != null) {
                                it.copy(
                                    items = cached.value,
                                    nextCursor = null,
                                    loading = false,
                                    refreshing = false,
                                    offline = true,
                                    savedAtMillis = cached.savedAtMillis,
                                )
                            } else if (it.items.isNotEmpty() && answer.error is ApiError.Network) {
                                it.copy(loading = false, refreshing = false, offline = true)
                            } else {
                                it.copy(loading = false, refreshing = false, error = UiError.from(answer.error))
                            }
                        }
                    }
                }
            }
    }

    fun loadMore() {
        val s = current
        val cursor = s.nextCursor ?: return
        if (s.loadingMore || s.loading || s.offline) return
        update { it.copy(loadingMore = true, loadMoreError = null) }
        scope.launch {
            when (val answer = pocs.list(cursor = cursor, limit = pageSize)) {
                is ApiResult.Ok -> {
                    update { st ->
                        val known = st.items.map { it.id }.toSet()
                        st.copy(items = st.items + answer.value.results.filter { it.id !in known }, nextCursor = answer.value.next, loadingMore = false)
                    }
                }

                is ApiResult.Err -> {
                    update { it.copy(loadingMore = false, loadMoreError = UiError.from(answer.error)) }
                }
            }
        }
    }
}

enum class UploadPhase { Creating, Sending, Completing, Done, Failed }

data class UploadUiState(
    val key: Long,
    val filename: String,
    val sent: Long = 0,
    val total: Long = 0,
    val phase: UploadPhase = UploadPhase.Creating,
    val error: UiError? = null,
) {
    val fraction: Float get() = if (total <= 0) 0f else (sent.toFloat() / total).coerceIn(0f, 1f)
}

/** Where a deletion stands: undo is offered until [Undoable.untilMillis]. */
sealed interface DeletionState {
    data object None : DeletionState

    data object Deleting : DeletionState

    data class Undoable(
        val untilMillis: Long,
    ) : DeletionState

    data object Restoring : DeletionState

    /** The undo time is over: the screen closes. */
    data object Deleted : DeletionState
}

data class PocDetailUiState(
    val pocId: String,
    val poc: Poc? = null,
    val loading: Boolean = true,
    val offline: Boolean = false,
    val savedAtMillis: Long? = null,
    val error: UiError? = null,
    val attachments: List<Attachment> = emptyList(),
    val attachmentsLoading: Boolean = false,
    val uploads: List<UploadUiState> = emptyList(),
    val deletion: DeletionState = DeletionState.None,
    val actionError: UiError? = null,
    /** A presigned URL to open (attachment); the UI opens it and calls consumeOpenUrl(). */
    val openUrl: String? = null,
) {
    val canEdit: Boolean get() = poc?.canEdit == true && !offline
}

/**
 * A POC's detail: the POC (or its cached copy offline), its attachments, uploads with progress,
 * and delete with undo inside [undoWindowMillis] (the server keeps it restorable much longer).
 */
class PocDetailStateHolder(
    private val scope: CoroutineScope,
    val pocId: String,
    private val pocs: PocRepository,
    private val attachments: AttachmentRepository,
    private val clock: () -> Long = System::currentTimeMillis,
    private val undoWindowMillis: Long = 8_000,
    autoLoad: Boolean = true,
) : StateHolder<PocDetailUiState>(PocDetailUiState(pocId)) {
    private var uploadKeys = 0L
    private var undoJob: Job? = null

    init {
        if (autoLoad) refresh()
    }

    fun refresh() {
        update { it.copy(loading = it.poc == null, error = null) }
        scope.launch {
            when (val answer = pocs.get(pocId)) {
                is ApiResult.Ok -> {
                    update { it.copy(poc = answer.value, loading = false, offline = false, savedAtMillis = null) }
                    loadAttachments()
                }

                is ApiResult.Err -> {
                    val cached = if (answer.error is ApiError.Network) pocs.cached(pocId) else null
                    update {
                        if (cached != null) {
                            it.copy(poc = cached.value, loading = false, offline = true, savedAtMillis = cached.savedAtMillis)
                        } else {
                            it.copy(loading = false, error = UiError.from(answer.error))
                        }
                    }
                }
            }
        }
    }

    private suspend fun loadAttachments() {
        update { it.copy(attachmentsLoading = true) }
        when (val answer = attachments.list(pocId)) {
            is ApiResult.Ok -> update { it.copy(attachments = answer.value, attachmentsLoading = false) }
            is ApiResult.Err -> update { it.copy(attachmentsLoading = false, actionError = UiError.from(answer.error)) }
        }
    }

    fun delete() {
        if (current.deletion != DeletionState.None) return
        update { it.copy(deletion = DeletionState.Deleting, actionError = null) }
        scope.launch {
            when (val answer = pocs.delete(pocId)) {
                is ApiResult.Ok -> {
                    update { it.copy(deletion = DeletionState.Undoable(clock() + undoWindowMillis)) }
                    undoJob =
                        scope.launch {
                            delay(undoWindowMillis)
                            update { if (it.deletion is DeletionState.Undoable) it.copy(deletion = DeletionState.Deleted) else it }
                        }
                }

                is ApiResult.Err -> {
                    update { it.copy(deletion = DeletionState.None, actionError = UiError.from(answer.error)) }
                }
            }
        }
    }

    fun undoDelete() {
        if (current.deletion !is DeletionState.Undoable) return
        undoJob?.cancel()
        update { it.copy(deletion = DeletionState.Restoring) }
        scope.launch {
            when (val answer = pocs.restore(pocId)) {
                is ApiResult.Ok -> update { it.copy(poc = answer.value, deletion = DeletionState.None) }
                is ApiResult.Err -> update { it.copy(deletion = DeletionState.Deleted, actionError = UiError.from(answer.error)) }
            }
        }
    }

    /** Uploads a file through the presigned URL; progress shows in [PocDetailUiState.uploads]. */
    fun upload(
        filename: String,
        contentType: String,
        size: Long,
        open: () -> InputStream,
    ) {
        val key = ++uploadKeys
        update { it.copy(uploads = it.uploads + UploadUiState(key, filename, total = size)) }
        scope.launch {
            attachments.upload(pocId, filename, contentType, size, open).collect { step ->
                when (step) {
                    UploadStep.Creating -> {
                        setUpload(key) { it.copy(phase = UploadPhase.Creating) }
                    }

                    is UploadStep.Sending -> {
                        setUpload(key) { it.copy(phase = UploadPhase.Sending, sent = step.sent, total = step.total) }
                    }

                    UploadStep.Completing -> {
                        setUpload(key) { it.copy(phase = UploadPhase.Completing, sent = it.total) }
                    }

                    is UploadStep.Done -> {
                        update { st ->
                            st.copy(
                                uploads = st.uploads.map { if (it.key == key) it.copy(phase = UploadPhase.Done, sent = it.total) else it },
                                attachments = st.attachments.filterNot { it.id == step.attachment.id } + step.attachment,
                            )
                        }
                    }

                    is UploadStep.Failed -> {
                        setUpload(key) { it.copy(phase = UploadPhase.Failed, error = UiError.from(step.error)) }
                    }
                }
            }
        }
    }

    /** Hides a finished or failed upload row. */
    fun dismissUpload(key: Long) = update { st -> st.copy(uploads = st.uploads.filterNot { it.key == key }) }

    fun openAttachment(attachmentId: String) {
        scope.launch {
            when (val answer = attachments.download(pocId, attachmentId)) {
                is ApiResult.Ok -> update { it.copy(openUrl = answer.value.download?.url) }
                is ApiResult.Err -> update { it.copy(actionError = UiError.from(answer.error)) }
            }
        }
    }

    fun consumeOpenUrl() = update { it.copy(openUrl = null) }

    fun dismissError() = update { it.copy(actionError = null) }

    private fun setUpload(
        key: Long,
        transform: (UploadUiState) -> UploadUiState,
    ) = update { st -> st.copy(uploads = st.uploads.map { if (it.key == key) transform(it) else it }) }
}

/** The editor's fields, by their API names (server field errors use the same names). */
object PocFields {
    const val NAME = "name"
    const val SUMMARY = "summary"
    const val DESCRIPTION = "description"
    const val STATUS = "status"
    const val HYPOTHESIS = "hypothesis"
    const val OUTCOME = "outcome"
    const val LEARNINGS = "learnings"
    const val LANGUAGES = "languages"
    const val TAGS = "tags"
    const val REPOSITORY_URL = "repository_url"
    const val LINKS = "links"
    const val STARTED_ON = "started_on"
    const val FINISHED_ON = "finished_on"
    const val VISIBILITY = "visibility"

    /** Errors not tied to one field. */
    const val FORM = "non_field_errors"
}

data class PocForm(
    val name: String = "",
    val summary: String = "",
    val description: String = "",
    val status: String = PocStatuses.IDEA,
    val hypothesis: String = "",
    val outcome: String = "",
    val learnings: String = "",
    val languages: List<String> = emptyList(),
    val tags: List<String> = emptyList(),
    val repositoryUrl: String = "",
    val links: List<Link> = emptyList(),
    val startedOn: String = "",
    val finishedOn: String = "",
    val visibility: String = PocVisibilities.TEAM,
) {
    fun toInput(): PocInput =
        PocInput(
            name = name.trim(),
            summary = summary.trim(),
            description = description,
            status = status,
            hypothesis = hypothesis,
            outcome = outcome,
            learnings = learnings,
            languages = languages,
            tags = tags,
            repositoryUrl = repositoryUrl.trim(),
            links = links,
            startedOn = startedOn.ifBlank { null },
            finishedOn = finishedOn.ifBlank { null },
            visibility = visibility,
        )

    companion object {
        fun of(poc: Poc): PocForm =
            PocForm(
                name = poc.name,
                summary = poc.summary,
                description = poc.description,
                status = poc.status,
                hypothesis = poc.hypothesis,
                outcome = poc.outcome,
                learnings = poc.learnings,
                languages = poc.languages.map { it.slug },
                tags = poc.tags.map { it.label },
                repositoryUrl = poc.repositoryUrl,
                links = poc.links,
                startedOn = poc.startedOn ?: "",
                finishedOn = poc.finishedOn ?: "",
                visibility = poc.visibility,
            )
    }
}

data class PocEditorUiState(
    val pocId: String? = null,
    val form: PocForm = PocForm(),
    val loading: Boolean = false,
    val saving: Boolean = false,
    /** Keyed by [PocFields]; client checks (code only) and the server's errors (code and message). */
    val fieldErrors: Map<String, FieldError> = emptyMap(),
    val error: UiError? = null,
    /** Set once saved: the screen closes and shows this POC. */
    val saved: Poc? = null,
) {
    val isNew: Boolean get() = pocId == null
}

/** Create or edit a POC; the server's field errors land on the matching fields. */
class PocEditorStateHolder(
    private val scope: CoroutineScope,
    private val pocs: PocRepository,
    pocId: String? = null,
) : StateHolder<PocEditorUiState>(PocEditorUiState(pocId = pocId, loading = pocId != null)) {
    private var original: PocForm? = null

    init {
        if (pocId != null) {
            scope.launch {
                when (val answer = pocs.get(pocId)) {
                    is ApiResult.Ok -> {
                        val form = PocForm.of(answer.value)
                        original = form
                        update { it.copy(form = form, loading = false) }
                    }

                    is ApiResult.Err -> {
                        update { it.copy(loading = false, error = UiError.from(answer.error)) }
                    }
                }
            }
        }
    }

    /** Changes the form; clears the errors of the fields that changed. */
    fun edit(transform: (PocForm) -> PocForm) =
        update { st ->
            val next = transform(st.form)
            val changed = changedFields(st.form, next)
            st.copy(form = next, fieldErrors = st.fieldErrors - changed, error = null)
        }

    fun addLanguage(slug: String) = edit { f -> if (slug.isBlank() || slug in f.languages) f else f.copy(languages = f.languages + slug.trim()) }

    fun removeLanguage(slug: String) = edit { f -> f.copy(languages = f.languages - slug) }

    fun addTag(tag: String) = edit { f -> if (tag.isBlank() || tag.trim() in f.tags) f else f.copy(tags = f.tags + tag.trim()) }

    fun removeTag(tag: String) = edit { f -> f.copy(tags = f.tags - tag) }

    fun save() {
        val s = current
        if (s.saving || s.loading) return
        val errors = validate(s.form)
        if (errors.isNotEmpty()) return update { it.copy(fieldErrors = errors) }
        update { it.copy(saving = true, error = null, fieldErrors = emptyMap()) }
        scope.launch {
            val answer =
                if (s.pocId == null) {
                    pocs.create(s.form.toInput())
                } else {
                    pocs.update(s.pocId, patchOf(original, s.form))
                }
            when (answer) {
                is ApiResult.Ok -> {
                    original = PocForm.of(answer.value)
                    update { it.copy(saving = false, saved = answer.value) }
                }

                is ApiResult.Err -> {
                    update { it.copy(saving = false, error = UiError.from(answer.error), fieldErrors = fieldErrorsOf(answer.error)) }
                }
            }
        }
    }

    companion object {
        fun validate(form: PocForm): Map<String, FieldError> {
            val errors = mutableMapOf<String, FieldError>()
            Checks.required(errors, PocFields.NAME, form.name, 200)
            if (form.summary.length > 500) errors[PocFields.SUMMARY] = FieldError(FieldCodes.TOO_LONG, "")
            if (form.hypothesis.length > 5000) errors[PocFields.HYPOTHESIS] = FieldError(FieldCodes.TOO_LONG, "")
            if (form.repositoryUrl.isNotBlank() && !form.repositoryUrl.trim().matches(Regex("^https?://\\S+$"))) {
                errors[PocFields.REPOSITORY_URL] = FieldError(FieldCodes.INVALID_URL, "")
            }
            if (form.startedOn.isNotBlank() && !Checks.isDate(form.startedOn)) errors[PocFields.STARTED_ON] = FieldError(FieldCodes.INVALID_DATE, "")
            if (form.finishedOn.isNotBlank() && !Checks.isDate(form.finishedOn)) errors[PocFields.FINISHED_ON] = FieldError(FieldCodes.INVALID_DATE, "")
            if (PocFields.STARTED_ON !in errors && PocFields.FINISHED_ON !in errors &&
                form.startedOn.isNotBlank() && form.finishedOn.isNotBlank() && form.finishedOn < form.startedOn
            ) {
                errors[PocFields.FINISHED_ON] = FieldError(FieldCodes.INVALID_RANGE, "")
            }
            return errors
        }

        private fun changedFields(
            a: PocForm,
            b: PocForm,
        ): Set<String> =
            buildSet {
                if (a.name != b.name) add(PocFields.NAME)
                if (a.summary != b.summary) add(PocFields.SUMMARY)
                if (a.description != b.description) add(PocFields.DESCRIPTION)
                if (a.status != b.status) add(PocFields.STATUS)
                if (a.hypothesis != b.hypothesis) add(PocFields.HYPOTHESIS)
                if (a.outcome != b.outcome) add(PocFields.OUTCOME)
                if (a.learnings != b.learnings) add(PocFields.LEARNINGS)
                if (a.languages != b.languages) add(PocFields.LANGUAGES)
                if (a.tags != b.tags) add(PocFields.TAGS)
                if (a.repositoryUrl != b.repositoryUrl) add(PocFields.REPOSITORY_URL)
                if (a.links != b.links) add(PocFields.LINKS)
                if (a.startedOn != b.startedOn) add(PocFields.STARTED_ON)
                if (a.finishedOn != b.finishedOn) add(PocFields.FINISHED_ON)
                if (a.visibility != b.visibility) add(PocFields.VISIBILITY)
            }

        /** Only what changed goes in the PATCH. */
        fun patchOf(
            original: PocForm?,
            form: PocForm,
        ): PocInput {
            val full = form.toInput()
            if (original == null) return full
            val o = original.toInput()
            return PocInput(
                name = full.name.takeIf { it != o.name },
                summary = full.summary.takeIf { it != o.summary },
                description = full.description.takeIf { it != o.description },
                status = full.status.takeIf { it != o.status },
                hypothesis = full.hypothesis.takeIf { it != o.hypothesis },
                outcome = full.outcome.takeIf { it != o.outcome },
                learnings = full.learnings.takeIf { it != o.learnings },
                languages = full.languages.takeIf { it != o.languages },
                tags = full.tags.takeIf { it != o.tags },
                repositoryUrl = full.repositoryUrl.takeIf { it != o.repositoryUrl },
                links = full.links.takeIf { it != o.links },
                startedOn = full.startedOn.takeIf { it != o.startedOn },
                finishedOn = full.finishedOn.takeIf { it != o.finishedOn },
                visibility = full.visibility.takeIf { it != o.visibility },
            )
        }
    }
}
