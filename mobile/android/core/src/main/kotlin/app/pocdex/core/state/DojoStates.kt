package app.pocdex.core.state

import app.pocdex.core.data.DojoRepository
import app.pocdex.core.model.Dojo
import app.pocdex.core.model.DojoInput
import app.pocdex.core.model.DojoListFilters
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.FieldError
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import java.time.Instant
import java.time.format.DateTimeParseException

data class DojoListUiState(
    /** [DojoListFilters] value: upcoming, live or past. */
    val filter: String = DojoListFilters.UPCOMING,
    val dojos: List<Dojo> = emptyList(),
    val loading: Boolean = true,
    val error: UiError? = null,
    /** A start request in flight (facilitators start scheduled dojos). */
    val startingId: String? = null,
    val actionError: UiError? = null,
    /** The dojo to open after a successful start. */
    val started: Dojo? = null,
) {
    val isEmpty: Boolean get() = !loading && error == null && dojos.isEmpty()
    val offline: Boolean get() = error?.kind == ErrorKind.Network
}

/** The dojo list by state (upcoming, live, past); the live session itself is another screen. */
class DojoListStateHolder(
    private val scope: CoroutineScope,
    private val dojos: DojoRepository,
    filter: String = DojoListFilters.UPCOMING,
    autoLoad: Boolean = true,
) : StateHolder<DojoListUiState>(DojoListUiState(filter = filter)) {
    private var loadJob: Job? = null

    init {
        if (autoLoad) refresh()
    }

    fun setFilter(filter: String) {
        if (filter == current.filter) return
        update { it.copy(filter = filter, dojos = emptyList()) }
        refresh()
    }

    fun refresh() {
        loadJob?.cancel()
        val filter = current.filter
        update { it.copy(loading = true, error = null) }
        loadJob =
            scope.launch {
                when (val answer = dojos.list(filter)) {
                    is ApiResult.Ok -> update { it.copy(dojos = answer.value, loading = false) }
                    is ApiResult.Err -> update { it.copy(loading = false, error = UiError.from(answer.error)) }
                }
            }
    }

    fun start(dojoId: String) {
        if (current.startingId != null) return
        update { it.copy(startingId = dojoId, actionError = null) }
        scope.launch {
            when (val answer = dojos.start(dojoId)) {
                is ApiResult.Ok -> {
                    update { st -> st.copy(startingId = null, started = answer.value, dojos = st.dojos.map { if (it.id == dojoId) answer.value else it }) }
                }

                is ApiResult.Err -> {
                    update { it.copy(startingId = null, actionError = UiError.from(answer.error)) }
                }
            }
        }
    }

    fun consumeStarted() = update { it.copy(started = null) }
}

object DojoFields {
    const val TITLE = "title"
    const val KATA = "kata"
    const val LANGUAGE = "language"
    const val ROTATION_MINUTES = "rotation_minutes"
    const val SCHEDULED_AT = "scheduled_at"
    const val VISIBILITY = "visibility"
}

data class DojoScheduleUiState(
    val title: String = "",
    val kata: String = "",
    val language: String = "",
    val rotationMinutes: Int = 7,
    /** ISO-8601 instant, e.g. 2026-12-07T18:00:00Z (the UI's date and time pickers fill it). */
    val scheduledAt: String = "",
    /** team or invited. */
    val visibility: String = "team",
    val copilotoMayEdit: Boolean = false,
    val pocId: String? = null,
    val submitting: Boolean = false,
    val fieldErrors: Map<String, FieldError> = emptyMap(),
    val error: UiError? = null,
    val created: Dojo? = null,
)

/** Schedules a dojo. */
class DojoScheduleStateHolder(
    private val scope: CoroutineScope,
    private val dojos: DojoRepository,
    private val clock: () -> Long = System::currentTimeMillis,
    pocId: String? = null,
) : StateHolder<DojoScheduleUiState>(DojoScheduleUiState(pocId = pocId)) {
    fun edit(transform: (DojoScheduleUiState) -> DojoScheduleUiState) = update { transform(it).copy(error = null) }

    fun onTitleChange(value: String) = update { it.copy(title = value, fieldErrors = it.fieldErrors - DojoFields.TITLE) }

    fun onKataChange(value: String) = update { it.copy(kata = value, fieldErrors = it.fieldErrors - DojoFields.KATA) }

    fun onLanguageChange(value: String) = update { it.copy(language = value, fieldErrors = it.fieldErrors - DojoFields.LANGUAGE) }

    fun onRotationChange(minutes: Int) = update { it.copy(rotationMinutes = minutes, fieldErrors = it.fieldErrors - DojoFields.ROTATION_MINUTES) }

    fun onScheduledAtChange(value: String) = update { it.copy(scheduledAt = value, fieldErrors = it.fieldErrors - DojoFields.SCHEDULED_AT) }

    fun onVisibilityChange(value: String) = update { it.copy(visibility = value) }

    fun onCopilotoMayEditChange(value: Boolean) = update { it.copy(copilotoMayEdit = value) }

    fun submit() {
        val s = current
        if (s.submitting) return
        val errors = mutableMapOf<String, FieldError>()
        Checks.required(errors, DojoFields.TITLE, s.title, 200)
        Checks.required(errors, DojoFields.LANGUAGE, s.language, 64)
        if (s.rotationMinutes !in 1..60) errors[DojoFields.ROTATION_MINUTES] = FieldError(FieldCodes.INVALID_RANGE, "")
        val at =
            try {
                Instant.parse(s.scheduledAt)
            } catch (_: DateTimeParseException) {
                null
            }
        if (s.scheduledAt.isBlank()) {
            errors[DojoFields.SCHEDULED_AT] = FieldError(FieldCodes.REQUIRED, "")
        } else if (at == null) {
            errors[DojoFields.SCHEDULED_AT] = FieldError(FieldCodes.INVALID_DATE, "")
        } else if (at.toEpochMilli() < clock() - 60_000) {
            errors[DojoFields.SCHEDULED_AT] = FieldError(FieldCodes.INVALID_RANGE, "")
        }
        if (errors.isNotEmpty()) return update { it.copy(fieldErrors = errors) }
        update { it.copy(submitting = true, error = null, fieldErrors = emptyMap()) }
        scope.launch {
            val input =
                DojoInput(
                    title = s.title.trim(),
                    kata = s.kata,
                    language = s.language.trim(),
                    rotationMinutes = s.rotationMinutes,
                    scheduledAt = s.scheduledAt,
                    pocId = s.pocId,
                    visibility = s.visibility,
                    copilotoMayEdit = s.copilotoMayEdit,
                )
            when (val answer = dojos.schedule(input)) {
                is ApiResult.Ok -> update { it.copy(submitting = false, created = answer.value) }
                is ApiResult.Err -> update { it.copy(submitting = false, error = UiError.from(answer.error), fieldErrors = fieldErrorsOf(answer.error)) }
            }
        }
    }
}
