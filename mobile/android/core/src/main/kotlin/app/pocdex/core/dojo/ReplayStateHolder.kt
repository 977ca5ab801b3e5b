package app.pocdex.core.dojo

import app.pocdex.core.ot.OTError
import app.pocdex.core.ot.TextOperation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

/**
 * The replay screen's state holder: reads every page of the replay from [source], then steps and
 * seeks through the sequenced events. Seeking starts from the latest snapshot at or before the
 * wanted event and applies the `op` events after it (docs/protocol/dojo-websocket.md, section 7).
 */
class ReplayStateHolder(
    private val scope: CoroutineScope,
    dojoId: String,
    private val source: ReplaySource,
    /** Time between two events while playing. */
    private val playIntervalMs: Long = 400,
) {
    private val state = MutableStateFlow(ReplayUiState(dojoId = dojoId))
    val uiState: StateFlow<ReplayUiState> = state.asStateFlow()

    private var events: List<SequencedEvent> = emptyList()
    private var snapshots: List<ReplaySnapshot> = emptyList()
    private var playing: Job? = null
    private val loadLock = Mutex()

    init {
        load()
    }

    /** (Re)load every page; also the retry after an error. */
    fun load() {
        scope.launch {
            loadLock.withLock {
                state.value = state.value.copy(loading = true, error = null)
                try {
                    val collected = ArrayList<SequencedEvent>()
                    var page = source.page(0)
                    val title = page.title
                    val snaps = page.snapshots
                    while (true) {
                        page.events.forEach { raw ->
                            val frame = runCatching { DojoFrames.decode(raw) }.getOrNull()
                            if (frame is SequencedEvent) collected.add(frame)
                        }
                        val next = page.nextAfterSeq ?: break
                        page = source.page(next)
                    }
                    events = collected.sortedBy { it.seq }
                    snapshots = snaps.sortedBy { it.seq }
                    val marks =
                        events.mapIndexedNotNull { index, event ->
                            if (event is SequencedEvent.Roles || event is SequencedEvent.Started) index + 1 else null
                        }
                    // One write: the screen (and seekTo) never sees "loaded" before position 0 is shown.
                    show(
                        0,
                        state.value.copy(
                            loading = false,
                            error = null,
                            title = title,
                            totalEvents = events.size,
                            rotationMarks = marks,
                        ),
                    )
                } catch (e: CancellationException) {
                    throw e
                } catch (e: TicketRefusedException) {
                    state.value = state.value.copy(loading = false, error = "not_found")
                } catch (e: Exception) {
                    state.value = state.value.copy(loading = false, error = "network")
                }
            }
        }
    }

    fun stepForward() = seekTo(state.value.position + 1)

    fun stepBack() = seekTo(state.value.position - 1)

    /** Show the session after the first [position] events (clamped to `0..totalEvents`). */
    fun seekTo(position: Int) {
        if (state.value.loading) return
        show(position.coerceIn(0, events.size))
    }

    fun play() {
        if (playing?.isActive == true || state.value.loading) return
        if (state.value.atEnd) show(0)
        state.value = state.value.copy(playing = true)
        playing =
            scope.launch {
                try {
                    while (!state.value.atEnd) {
                        delay(playIntervalMs)
                        show(state.value.position + 1)
                    }
                } finally {
                    state.value = state.value.copy(playing = false)
                }
            }
    }

    fun pause() {
        playing?.cancel()
        playing = null
        state.value = state.value.copy(playing = false)
    }

    private fun show(
        position: Int,
        base: ReplayUiState = state.value,
    ) {
        val target = if (position == 0) 0L else events[position - 1].seq
        val start = snapshots.lastOrNull { it.seq <= target }
        var document = start?.document ?: ""
        var revision = start?.revision ?: 0
        var piloto: String? = null
        var copiloto: String? = null
        var testStatus: TestStatus? = null
        val names = HashMap<String, String>()
        val chat = ArrayList<ChatMessageUi>()
        var failed = false
        for (index in 0 until position) {
            val event = events[index]
            event.actor?.let { if (it.name.isNotEmpty()) names[it.id] = it.name }
            when (event) {
                is SequencedEvent.Op -> {
                    if (event.revision > revision && !failed) {
                        try {
                            document = TextOperation.fromJson(event.op).apply(document)
                            revision = event.revision
                        } catch (e: OTError) {
                            failed = true
                        }
                    }
                }

                is SequencedEvent.Roles -> {
                    piloto = event.roles.piloto
                    copiloto = event.roles.copiloto
                }

                is SequencedEvent.Started -> {
                    piloto = event.roles.piloto
                    copiloto = event.roles.copiloto
                }

                is SequencedEvent.TestStatusChanged -> {
                    testStatus = TestStatus.fromWire(event.status)
                }

                is SequencedEvent.Chat -> {
                    chat.add(ChatMessageUi(event.seq, event.actor?.id, event.actor?.name ?: "", event.text, event.at, false))
                }

                else -> {
                    Unit
                }
            }
        }
        val current = if (position == 0) null else events[position - 1]
        state.value =
            base.copy(
                position = position,
                document = document,
                revision = revision,
                current = current?.let { describe(it) },
                chat = chat,
                pilotoName = piloto?.let { names[it] ?: it },
                copilotoName = copiloto?.let { names[it] ?: it },
                testStatus = testStatus,
                error = if (failed) "corrupt" else base.error,
            )
    }

    private fun describe(event: SequencedEvent): ReplayEventUi {
        val (type, detail) =
            when (event) {
                is SequencedEvent.Op -> "op" to null
                is SequencedEvent.Chat -> "chat" to event.text
                is SequencedEvent.TestStatusChanged -> "test_status" to event.status
                is SequencedEvent.Roles -> "roles" to event.reason
                is SequencedEvent.Timer -> "timer" to event.timer.state
                is SequencedEvent.Presence -> "presence" to (if (event.joined != null) "joined" else "left")
                is SequencedEvent.Started -> "dojo_started" to null
                is SequencedEvent.Ended -> "dojo_ended" to null
                is SequencedEvent.Unknown -> event.type to null
            }
        return ReplayEventUi(event.seq, type, event.at, event.actor?.name, detail)
    }
}
