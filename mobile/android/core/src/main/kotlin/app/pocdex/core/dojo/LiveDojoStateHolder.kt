package app.pocdex.core.dojo

import app.pocdex.core.ot.Selection
import app.pocdex.core.ot.TextOperation
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch

/**
 * The live dojo screen's state holder: owns a [DojoSession] running in [scope] (a ViewModel's
 * scope on Android) and exposes [uiState]. Events are plain functions the screen calls; every
 * index the screen passes is a UTF-16 offset of [LiveDojoUiState.document] (what Compose reports),
 * converted here to code points.
 *
 * [ticketUrl] returns the `url` of `POST /api/v1/dojos/{id}/ticket` (the REST repository calls it
 * with the person's access token and refreshes it when needed); it is called again for every
 * reconnection, since a ticket works once. It throws [TicketRefusedException] for refusals that
 * are final (404, 403), anything else for failures worth retrying.
 */
class LiveDojoStateHolder(
    scope: CoroutineScope,
    dojoId: String,
    gatewayUrl: String,
    ticketUrl: suspend () -> String,
    transport: DojoTransport = OkHttpDojoTransport(),
    clock: () -> Long = System::currentTimeMillis,
    backoff: Backoff = Backoff(),
    /** How often the countdown is recomputed while the timer runs. */
    tickMs: Long = 250,
) {
    internal val session = DojoSession(dojoId, gatewayUrl, ticketUrl, transport, scope, clock, backoff)

    val uiState: StateFlow<LiveDojoUiState> = session.state

    init {
        session.start()
        scope.launch {
            while (isActive && !session.state.value.isEnded) {
                delay(tickMs)
                if (session.state.value.timer.state == TimerState.RUNNING) session.refresh()
            }
        }
    }

    /** The editor's whole new text (the difference to the current document is sent). */
    fun onTextChange(newText: String) = session.replaceText(newText)

    /** A precise edit in code points of the current document. */
    fun onEdit(operation: TextOperation) = session.edit(operation)

    /** An edit built against the document as the session holds it when it runs (e.g. insert at the caret). */
    fun onEdit(build: (document: String) -> TextOperation?) = session.edit(build)

    /** The caret or selection moved (UTF-16 offsets of the current document). */
    fun onSelectionChange(
        anchorUtf16: Int,
        headUtf16: Int,
    ) = session.select(DojoSession.selectionFromUtf16(uiState.value.document, anchorUtf16, headUtf16))

    /** The selection in code points (for editors that already convert). */
    fun onSelection(selection: Selection) = session.select(selection)

    fun onSendChat(text: String) = session.sendChat(text)

    fun onTestStatus(status: TestStatus) = session.setTestStatus(status)

    fun onPass() = session.pass()

    fun onPause() = session.pause()

    fun onResumeTimer() = session.resumeTimer()

    fun onJoinQueue(join: Boolean) = session.joinQueue(join)

    /** Leave the session (the screen closes); nothing reconnects. */
    fun onLeave() = session.leave()
}
