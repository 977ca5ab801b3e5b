package app.pocdex.core.state

import app.pocdex.core.data.MediaRepository
import app.pocdex.core.data.PocRepository
import app.pocdex.core.model.Job
import app.pocdex.core.model.JobFile
import app.pocdex.core.model.MediaLanguages
import app.pocdex.core.model.Poc
import app.pocdex.core.model.ReportFormats
import app.pocdex.core.model.ReportRequest
import app.pocdex.core.model.VideoFormats
import app.pocdex.core.model.VideoRequest
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.FieldError
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import java.time.Instant
import java.time.ZoneOffset

data class ReportForm(
    val from: String,
    val to: String,
    val formats: Set<String> = setOf(ReportFormats.PDF),
    /** organization (owners and admins) or me. */
    val scope: String = "me",
)

data class VideoForm(
    val year: Int,
    val format: String = VideoFormats.VERTICAL,
    val excluded: Set<String> = emptySet(),
    val scope: String = "me",
)

data class ReportsUiState(
    val reportForm: ReportForm,
    val videoForm: VideoForm,
    /** Reports and videos, newest first; unfinished ones are polled until they finish. */
    val jobs: List<Job> = emptyList(),
    val loading: Boolean = true,
    val error: UiError? = null,
    val requestingReport: Boolean = false,
    val requestingVideo: Boolean = false,
    val fieldErrors: Map<String, FieldError> = emptyMap(),
    val actionError: UiError? = null,
    /** The POCs of the video's year the person may leave out. */
    val excludablePocs: List<Poc> = emptyList(),
    /** A file URL to open or share; the UI calls consumeOpenUrl(). */
    val openUrl: String? = null,
) {
    val isEmpty: Boolean get() = !loading && error == null && jobs.isEmpty()
    val offline: Boolean get() = error?.kind == ErrorKind.Network
    val activeJobs: List<Job> get() = jobs.filterNot { it.isFinished }
}

/**
 * Reports (date range and formats) and the year video (year, format, POCs left out): requests them,
 * polls each unfinished job every [pollIntervalMillis] (bounded by [maxPolls]) until it succeeds or
 * fails, and hands out the files' URLs.
 */
class ReportsStateHolder(
    private val scope: CoroutineScope,
    private val media: MediaRepository,
    private val pocs: PocRepository? = null,
    private val language: () -> String = { "en" },
    private val clock: () -> Long = System::currentTimeMillis,
    private val pollIntervalMillis: Long = 1_000,
    private val maxPolls: Int = 600,
    autoLoad: Boolean = true,
) : StateHolder<ReportsUiState>(initialState(clock())) {
    private val polling = mutableSetOf<String>()

    init {
        if (autoLoad) refresh()
    }

    fun refresh() {
        update { it.copy(loading = true, error = null) }
        scope.launch {
            val reports = media.reports()
            val videos = media.videos()
            val failure = (reports as? ApiResult.Err) ?: (videos as? ApiResult.Err)
            if (failure != null) {
                update { it.copy(loading = false, error = UiError.from(failure.error)) }
                return@launch
            }
            val all = ((reports as ApiResult.Ok).value.results + (videos as ApiResult.Ok).value.results).sortedByDescending { it.createdAt }
            update { it.copy(jobs = all, loading = false) }
            all.filterNot { it.isFinished }.forEach(::poll)
        }
        loadExcludable()
    }

    fun updateReportForm(transform: (ReportForm) -> ReportForm) = update { it.copy(reportForm = transform(it.reportForm), fieldErrors = emptyMap()) }

    fun toggleReportFormat(format: String) = updateReportForm { f -> f.copy(formats = if (format in f.formats) f.formats - format else f.formats + format) }

    fun updateVideoForm(transform: (VideoForm) -> VideoForm) {
        val before = current.videoForm.year
        update { it.copy(videoForm = transform(it.videoForm), fieldErrors = emptyMap()) }
        if (current.videoForm.year != before) loadExcludable()
    }

    fun toggleExcluded(pocId: String) = updateVideoForm { f -> f.copy(excluded = if (pocId in f.excluded) f.excluded - pocId else f.excluded + pocId) }

    fun requestReport() {
        val s = current
        if (s.requestingReport) return
        val f = s.reportForm
        val errors = mutableMapOf<String, FieldError>()
        if (!Checks.isDate(f.from)) errors["from"] = FieldError(FieldCodes.INVALID_DATE, "")
        if (!Checks.isDate(f.to)) errors["to"] = FieldError(FieldCodes.INVALID_DATE, "")
        if (errors.isEmpty() && f.to < f.from) errors["to"] = FieldError(FieldCodes.INVALID_RANGE, "")
        if (f.formats.isEmpty()) errors["formats"] = FieldError(FieldCodes.REQUIRED, "")
        if (errors.isNotEmpty()) return update { it.copy(fieldErrors = errors) }
        update { it.copy(requestingReport = true, actionError = null) }
        scope.launch {
            val request = ReportRequest(f.from, f.to, f.scope, MediaLanguages.fromLocale(language()), f.formats.sorted())
            when (val answer = media.requestReport(request)) {
                is ApiResult.Ok -> {
                    upsert(answer.value)
                    update { it.copy(requestingReport = false) }
                    if (!answer.value.isFinished) poll(answer.value)
                }

                is ApiResult.Err -> {
                    update { it.copy(requestingReport = false, actionError = UiError.from(answer.error), fieldErrors = fieldErrorsOf(answer.error)) }
                }
            }
        }
    }

    fun requestVideo() {
        val s = current
        if (s.requestingVideo) return
        val f = s.videoForm
        val thisYear =
            Instant
                .ofEpochMilli(clock())
                .atZone(ZoneOffset.UTC)
                .toLocalDate()
                .year
        if (f.year !in 2000..thisYear) return update { it.copy(fieldErrors = mapOf("year" to FieldError(FieldCodes.INVALID_RANGE, ""))) }
        update { it.copy(requestingVideo = true, actionError = null) }
        scope.launch {
            val request = VideoRequest(f.year, f.scope, f.format, MediaLanguages.fromLocale(language()), f.excluded.sorted().ifEmpty { null })
            when (val answer = media.requestVideo(request)) {
                is ApiResult.Ok -> {
                    upsert(answer.value)
                    update { it.copy(requestingVideo = false) }
                    if (!answer.value.isFinished) poll(answer.value)
                }

                is ApiResult.Err -> {
                    update { it.copy(requestingVideo = false, actionError = UiError.from(answer.error), fieldErrors = fieldErrorsOf(answer.error)) }
                }
            }
        }
    }

    /** Opens (or shares) a finished job's file. */
    fun open(file: JobFile) = update { it.copy(openUrl = file.url) }

    fun consumeOpenUrl() = update { it.copy(openUrl = null) }

    fun dismissError() = update { it.copy(actionError = null) }

    private fun poll(job: Job) {
        if (!polling.add(job.id)) return
        scope.launch {
            var last = job
            var polls = 0
            while (!last.isFinished && polls < maxPolls) {
                delay(pollIntervalMillis)
                polls++
                when (val answer = media.job(last)) {
                    is ApiResult.Ok -> {
                        last = answer.value
                        upsert(last)
                    }

                    is ApiResult.Err -> {
                        Unit
                    } // keep polling: a blip of the network does not end the job
                }
            }
            polling.remove(job.id)
        }
    }

    private fun upsert(job: Job) =
        update { st ->
            val others = st.jobs.filterNot { it.id == job.id }
            st.copy(jobs = (listOf(job) + others).sortedByDescending { it.createdAt })
        }

    private fun loadExcludable() {
        val repo = pocs ?: return
        val year = current.videoForm.year.toString()
        scope.launch {
            when (val answer = repo.list(limit = 100)) {
                is ApiResult.Ok -> {
                    update { st ->
                        st.copy(
                            excludablePocs =
                                answer.value.results.filter { p ->
                                    (p.startedOn ?: p.createdAt).startsWith(year) ||
                                        p.createdAt.startsWith(year)
                                },
                        )
                    }
                }

                is ApiResult.Err -> {
                    Unit
                }
            }
        }
    }

    companion object {
        fun initialState(nowMillis: Long): ReportsUiState {
            val today = Instant.ofEpochMilli(nowMillis).atZone(ZoneOffset.UTC).toLocalDate()
            return ReportsUiState(
                reportForm = ReportForm(from = today.withDayOfMonth(1).toString(), to = today.toString()),
                videoForm = VideoForm(year = today.year),
            )
        }
    }
}
