package app.pocdex.ui.screens

import androidx.compose.foundation.background
import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.offset
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.text.BasicTextField
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.ExitToApp
import androidx.compose.material.icons.filled.PlayArrow
import androidx.compose.material.icons.filled.Send
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SecondaryTabRow
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.Surface
import androidx.compose.material3.Tab
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.drawWithContent
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.SolidColor
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.text.AnnotatedString
import androidx.compose.ui.text.SpanStyle
import androidx.compose.ui.text.TextLayoutResult
import androidx.compose.ui.text.TextRange
import androidx.compose.ui.text.buildAnnotatedString
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.TextFieldValue
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import app.pocdex.core.dojo.ChatMessageUi
import app.pocdex.core.dojo.ConnectionState
import app.pocdex.core.dojo.DojoPhase
import app.pocdex.core.dojo.DojoRole
import app.pocdex.core.dojo.EndReason
import app.pocdex.core.dojo.LiveDojoUiState
import app.pocdex.core.dojo.ParticipantUi
import app.pocdex.core.dojo.RemoteSelection
import app.pocdex.core.dojo.TestStatus
import app.pocdex.core.dojo.TimerState
import app.pocdex.ui.components.Avatar
import app.pocdex.ui.components.Banner
import app.pocdex.ui.components.BannerKind
import app.pocdex.ui.components.MinTouch
import app.pocdex.ui.components.PauseIcon
import app.pocdex.ui.components.Pill
import app.pocdex.ui.components.PocdexTopBar
import app.pocdex.ui.components.TimerIcon
import app.pocdex.ui.strings.LocalStrings
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.strings.text
import app.pocdex.ui.theme.CodeTextStyle
import app.pocdex.ui.theme.PocdexTheme

object LiveTags {
    const val EDITOR = "live.editor"
    const val CONNECTION = "live.connection"
    const val TIMER = "live.timer"
    const val TESTS = "live.tests"
    const val RED = "live.red"
    const val GREEN = "live.green"
    const val PASS = "live.pass"
    const val PAUSE = "live.pause"
    const val QUEUE = "live.queue"
    const val LEAVE = "live.leave"
    const val CHAT_TAB = "live.tab.chat"
    const val PEOPLE_TAB = "live.tab.people"
    const val CHAT_INPUT = "live.chat.input"
    const val CHAT_SEND = "live.chat.send"
    const val REPLAY = "live.replay"

    fun participant(id: String) = "live.participant.$id"

    fun cursor(id: String) = "live.cursor.$id"
}

class LiveDojoActions(
    val onTextChange: (String) -> Unit = {},
    val onSelectionChange: (Int, Int) -> Unit = { _, _ -> },
    val onSendChat: (String) -> Unit = {},
    val onTestStatus: (TestStatus) -> Unit = {},
    val onPass: () -> Unit = {},
    val onPause: () -> Unit = {},
    val onResumeTimer: () -> Unit = {},
    val onJoinQueue: (Boolean) -> Unit = {},
    val onLeave: () -> Unit = {},
    val onBack: () -> Unit = {},
    val onOpenReplay: () -> Unit = {},
)

fun Strings.roleName(role: DojoRole): String =
    when (role) {
        DojoRole.PILOTO -> get(Str.ROLE_PILOTO)
        DojoRole.COPILOTO -> get(Str.ROLE_COPILOTO)
        DojoRole.PLATEIA -> get(Str.ROLE_PLATEIA)
    }

fun Strings.endText(reason: EndReason): String =
    when (reason) {
        EndReason.DOJO_ENDED -> get(Str.LIVE_ENDED_DOJO)
        EndReason.LEFT -> get(Str.LIVE_ENDED_LEFT)
        EndReason.ACCESS_REMOVED -> get(Str.LIVE_ENDED_ACCESS)
        EndReason.ORGANIZATION_SUSPENDED -> get(Str.LIVE_ENDED_SUSPENDED)
        EndReason.SIGNED_OUT -> get(Str.LIVE_ENDED_SIGNED_OUT)
        EndReason.NOT_FOUND -> get(Str.LIVE_ENDED_NOT_FOUND)
        EndReason.ACCESS_DENIED -> get(Str.LIVE_ENDED_DENIED)
        EndReason.PROTOCOL_ERROR -> get(Str.LIVE_ENDED_PROTOCOL)
    }

fun Strings.noticeText(
    code: String,
    message: String,
): String =
    when (code) {
        "not_piloto", "piloto_required" -> get(Str.NOTICE_NOT_PILOTO)
        "not_at_keyboard" -> get(Str.NOTICE_NOT_AT_KEYBOARD)
        "role_may_not_edit" -> get(Str.NOTICE_ROLE_MAY_NOT_EDIT)
        "rate_limited", "resume_rate_limited" -> get(Str.NOTICE_RATE_LIMITED)
        "text_too_long" -> get(Str.NOTICE_TEXT_TOO_LONG)
        "operation_too_large" -> get(Str.NOTICE_OPERATION_TOO_LARGE)
        "not_connected" -> get(Str.NOTICE_NOT_CONNECTED)
        "empty_message" -> get(Str.NOTICE_EMPTY_MESSAGE)
        "resync" -> get(Str.NOTICE_RESYNC)
        "nobody_to_pass_to" -> get(Str.NOTICE_NOBODY_TO_PASS)
        "timer_not_running" -> get(Str.NOTICE_TIMER_NOT_RUNNING)
        "not_facilitator" -> get(Str.NOTICE_NOT_FACILITATOR)
        else -> format(Str.NOTICE_GENERIC, message.ifBlank { code })
    }

/**
 * [selection]'s ranges as UTF-16 offsets of [document], clamped to it: the selections and the
 * document arrive together, but a local edit shortens the text before the next state does.
 */
internal fun safeUtf16Ranges(
    selection: RemoteSelection,
    document: String,
): List<IntRange> {
    val points = document.codePointCount(0, document.length)

    fun offset(cp: Int) = document.offsetByCodePoints(0, cp.coerceIn(0, points))
    return selection.ranges.map {
        val a = offset(it.anchor)
        val h = offset(it.head)
        minOf(a, h)..maxOf(a, h)
    }
}

/** "04:05" from milliseconds, rounded up so the last second shows 00:01, not 00:00. */
fun clock(ms: Long): String {
    val total = ((ms + 999) / 1000).coerceAtLeast(0)
    return "%02d:%02d".format(total / 60, total % 60)
}

/**
 * The live dojo: the shared editor with the others' cursors, the seats (piloto, co-piloto,
 * plateia), the turn timer, red/green, pause, chat, and the connection's state.
 */
@Composable
fun LiveDojoScreen(
    state: LiveDojoUiState,
    title: String,
    actions: LiveDojoActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    val snackbar = remember { SnackbarHostState() }
    val notice = state.notice
    LaunchedEffect(notice?.serial) {
        if (notice != null) snackbar.showSnackbar(strings.noticeText(notice.code, notice.message))
    }
    var tab by rememberSaveable { mutableIntStateOf(0) }
    Scaffold(
        modifier = modifier,
        snackbarHost = { SnackbarHost(snackbar) },
        topBar = {
            PocdexTopBar(
                title = title,
                subtitle = text(Str.LIVE_YOU_ARE, strings.roleName(state.myRole)),
                onBack = actions.onBack,
                actions = {
                    if (!state.isEnded) {
                        IconButton(onClick = actions.onLeave, modifier = Modifier.size(MinTouch).testTag(LiveTags.LEAVE)) {
                            Icon(Icons.Filled.ExitToApp, contentDescription = text(Str.LIVE_LEAVE))
                        }
                    }
                },
            )
        },
        bottomBar = { if (!state.isEnded) Controls(state, actions) },
    ) { padding ->
        Column(Modifier.padding(padding).fillMaxSize().padding(horizontal = 12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            ConnectionBanner(state.connection, state.phase, actions)
            if (state.editsDiscarded) Banner(BannerKind.ERROR, text(Str.LIVE_EDITS_DISCARDED))
            StatusStrip(state)
            Editor(state, actions, Modifier.weight(1f))
            SecondaryTabRow(selectedTabIndex = tab) {
                Tab(
                    tab == 0,
                    { tab = 0 },
                    text = { Text(text(Str.LIVE_PARTICIPANTS, state.participants.size)) },
                    modifier = Modifier.testTag(LiveTags.PEOPLE_TAB),
                )
                Tab(tab == 1, { tab = 1 }, text = { Text(text(Str.LIVE_CHAT, state.chat.size)) }, modifier = Modifier.testTag(LiveTags.CHAT_TAB))
            }
            Box(Modifier.fillMaxWidth().height(200.dp)) {
                if (tab == 0) Participants(state.participants, strings) else Chat(state.chat, !state.isEnded, actions.onSendChat)
            }
        }
    }
}

@Composable
private fun ConnectionBanner(
    connection: ConnectionState,
    phase: DojoPhase,
    actions: LiveDojoActions,
) {
    val strings = LocalStrings.current
    val modifier = Modifier.testTag(LiveTags.CONNECTION)
    when (connection) {
        ConnectionState.Connecting -> {
            Banner(BannerKind.INFO, text(Str.LIVE_CONNECTING), modifier)
        }

        is ConnectionState.Reconnecting -> {
            Banner(BannerKind.OFFLINE, text(Str.LIVE_RECONNECTING, connection.attempt), modifier)
        }

        is ConnectionState.Ended -> {
            if (connection.reason == EndReason.DOJO_ENDED) {
                Banner(
                    BannerKind.SUCCESS,
                    strings.endText(connection.reason),
                    modifier.testTag(LiveTags.REPLAY),
                    text(Str.LIVE_OPEN_REPLAY),
                    actions.onOpenReplay,
                )
            } else {
                Banner(
                    BannerKind.ERROR,
                    connection.serverMessage?.takeIf { it.isNotBlank() } ?: strings.endText(connection.reason),
                    modifier,
                    text(Str.BACK),
                    actions.onBack,
                )
            }
        }

        ConnectionState.Live -> {
            if (phase == DojoPhase.SCHEDULED) Banner(BannerKind.INFO, text(Str.LIVE_NOT_STARTED), modifier)
        }
    }
}

@Composable
private fun StatusStrip(state: LiveDojoUiState) {
    val strings = LocalStrings.current
    val colors = PocdexTheme.colors
    Row(
        Modifier.fillMaxWidth().horizontalScroll(rememberScrollState()),
        horizontalArrangement = Arrangement.spacedBy(8.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        val timer = state.timer
        val timerText =
            when {
                state.paused || timer.state == TimerState.PAUSED -> strings[Str.LIVE_PAUSED] + (timer.remainingMs?.let { " · " + clock(it) } ?: "")
                timer.remainingMs != null -> clock(timer.remainingMs!!)
                else -> strings[Str.LIVE_TIMER_WAITING]
            }
        Surface(
            color = if (state.paused) colors.warningContainer else MaterialTheme.colorScheme.primaryContainer,
            contentColor = if (state.paused) colors.onWarningContainer else MaterialTheme.colorScheme.onPrimaryContainer,
            shape = CircleShape,
            modifier = Modifier.testTag(LiveTags.TIMER).semantics { contentDescription = strings.format(Str.LIVE_TIMER, timerText) },
        ) {
            Row(Modifier.padding(horizontal = 12.dp, vertical = 6.dp), verticalAlignment = Alignment.CenterVertically) {
                Icon(if (state.paused) PauseIcon else TimerIcon, contentDescription = null, modifier = Modifier.size(18.dp))
                Spacer(Modifier.width(6.dp))
                Text(timerText, style = MaterialTheme.typography.titleSmall, fontWeight = FontWeight.Bold)
            }
        }
        val (label, container, content) =
            when (state.testStatus) {
                TestStatus.RED -> Triple(strings[Str.LIVE_TESTS_RED], MaterialTheme.colorScheme.errorContainer, MaterialTheme.colorScheme.onErrorContainer)
                TestStatus.GREEN -> Triple(strings[Str.LIVE_TESTS_GREEN], colors.successContainer, colors.onSuccessContainer)
                null -> Triple(strings[Str.LIVE_TESTS_NONE], MaterialTheme.colorScheme.surfaceContainerHigh, MaterialTheme.colorScheme.onSurfaceVariant)
            }
        Surface(
            color = container,
            contentColor = content,
            shape = CircleShape,
            modifier = Modifier.testTag(LiveTags.TESTS).semantics { liveRegion = LiveRegionMode.Polite },
        ) {
            Row(Modifier.padding(horizontal = 12.dp, vertical = 6.dp), verticalAlignment = Alignment.CenterVertically) {
                Box(Modifier.size(10.dp).background(content, CircleShape))
                Spacer(Modifier.width(6.dp))
                Text(label, style = MaterialTheme.typography.labelLarge)
            }
        }
        if (state.hasPendingEdits) {
            Text(text(Str.LIVE_SYNCING), style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
    }
}

/**
 * The shared editor: the document with line numbers; the others' selections tinted and
 * their carets drawn as colored bars with a name tag. Read-only unless at the keyboard.
 */
@Composable
private fun Editor(
    state: LiveDojoUiState,
    actions: LiveDojoActions,
    modifier: Modifier,
) {
    val strings = LocalStrings.current
    val cursorColors = PocdexTheme.colors.cursors
    var local by remember { mutableStateOf(TextFieldValue(state.document)) }
    if (local.text != state.document) {
        // The document moved (a remote edit or an acknowledgement): keep the caret where it was, clamped.
        val end = state.document.length
        local = TextFieldValue(state.document, TextRange(local.selection.start.coerceIn(0, end), local.selection.end.coerceIn(0, end)))
    }
    var layout by remember { mutableStateOf<TextLayoutResult?>(null) }
    val remote = state.remoteSelections
    val colorOf = { id: String -> cursorColors[(id.hashCode() and Int.MAX_VALUE) % cursorColors.size] }
    val styled: AnnotatedString =
        buildAnnotatedString {
            append(state.document)
            remote.forEach { sel ->
                safeUtf16Ranges(sel, state.document).forEach { r ->
                    if (r.last >
                        r.first
                    ) {
                        addStyle(
                            SpanStyle(background = colorOf(sel.participantId).copy(alpha = 0.28f)),
                            r.first,
                            r.last.coerceAtMost(state.document.length),
                        )
                    }
                }
            }
        }
    val lines = state.document.count { it == '\n' } + 1
    Surface(
        color = MaterialTheme.colorScheme.surfaceContainerLowest,
        shape = RoundedCornerShape(14.dp),
        tonalElevation = 1.dp,
        border = androidx.compose.foundation.BorderStroke(1.dp, MaterialTheme.colorScheme.outlineVariant),
        modifier = modifier.fillMaxWidth(),
    ) {
        Row(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(vertical = 10.dp)) {
            // Line numbers placed at the top of each logical line as laid out (long lines wrap).
            val density = androidx.compose.ui.platform.LocalDensity.current
            Box(Modifier.width(30.dp).clearAndSetSemantics { }) {
                val l = layout
                var start = 0
                for (i in 1..lines) {
                    val top =
                        if (l != null && start <= state.document.length && l.layoutInput.text.length == state.document.length) {
                            with(density) { l.getLineTop(l.getLineForOffset(start)).toDp() }
                        } else {
                            (20 * (i - 1)).dp
                        }
                    Text(
                        "$i",
                        style = CodeTextStyle,
                        color = MaterialTheme.colorScheme.outline,
                        modifier = Modifier.padding(start = 6.dp).offset(y = top),
                    )
                    val next = state.document.indexOf('\n', start)
                    start = if (next < 0) state.document.length + 1 else next + 1
                }
            }
            Box(Modifier.weight(1f).padding(end = 8.dp)) {
                BasicTextField(
                    value = local.copy(annotatedString = styled),
                    onValueChange = { v ->
                        val textChanged = v.text != local.text
                        local = v
                        if (textChanged) actions.onTextChange(v.text)
                        actions.onSelectionChange(v.selection.start, v.selection.end)
                    },
                    readOnly = !state.canEdit,
                    textStyle = CodeTextStyle.copy(color = MaterialTheme.colorScheme.onSurface),
                    cursorBrush = SolidColor(MaterialTheme.colorScheme.primary),
                    onTextLayout = { layout = it },
                    modifier =
                        Modifier
                            .fillMaxWidth()
                            .heightIn(min = 120.dp)
                            .testTag(LiveTags.EDITOR)
                            .semantics {
                                contentDescription = strings[Str.LIVE_EDITOR]
                                if (!state.canEdit) stateDescription = strings[Str.LIVE_READ_ONLY]
                            }.drawWithContent {
                                drawContent()
                                val l = layout ?: return@drawWithContent
                                remote.forEach { sel ->
                                    val head = safeUtf16Ranges(sel, state.document).firstOrNull() ?: return@forEach
                                    val offset = sel.ranges.firstOrNull()?.let { r -> if (r.head >= r.anchor) head.last else head.first } ?: head.first
                                    val rect = l.getCursorRect(offset.coerceIn(0, state.document.length))
                                    val color = colorOf(sel.participantId)
                                    drawLine(color, Offset(rect.left, rect.top), Offset(rect.left, rect.bottom), strokeWidth = 2.dp.toPx())
                                    drawCircle(color, radius = 3.dp.toPx(), center = Offset(rect.left, rect.top))
                                }
                            },
                )
                // Name tags above the remote carets (separate nodes so tests and TalkBack see who is where).
                val l = layout
                if (l != null) {
                    remote.forEach { sel ->
                        val range = safeUtf16Ranges(sel, state.document).firstOrNull() ?: return@forEach
                        val rect = l.getCursorRect(range.last.coerceIn(0, state.document.length))
                        val color = colorOf(sel.participantId)
                        Text(
                            sel.name,
                            color = Color.White,
                            fontSize = 10.sp,
                            fontWeight = FontWeight.Bold,
                            maxLines = 1,
                            modifier =
                                Modifier
                                    .testTag(LiveTags.cursor(sel.participantId))
                                    .padding(
                                        start = with(androidx.compose.ui.platform.LocalDensity.current) { rect.left.toDp() },
                                        top =
                                            with(androidx.compose.ui.platform.LocalDensity.current) {
                                                (
                                                    rect.top.toDp() -
                                                        14.dp
                                                ).coerceAtLeast(0.dp)
                                            },
                                    ).background(color, RoundedCornerShape(4.dp))
                                    .padding(horizontal = 4.dp, vertical = 1.dp),
                        )
                    }
                }
            }
        }
    }
}

@Composable
private fun Participants(
    people: List<ParticipantUi>,
    strings: Strings,
) {
    val colors = PocdexTheme.colors
    LazyColumn(contentPadding = PaddingValues(vertical = 4.dp), verticalArrangement = Arrangement.spacedBy(2.dp)) {
        items(people, key = { it.id }) { p ->
            Row(
                Modifier.fillMaxWidth().heightIn(min = MinTouch).testTag(LiveTags.participant(p.id)),
                verticalAlignment = Alignment.CenterVertically,
            ) {
                Avatar(p.name, size = 36.dp, present = p.present)
                Spacer(Modifier.width(12.dp))
                Column(Modifier.weight(1f)) {
                    Text(
                        if (p.isMe) "${p.name} (${strings[Str.LIVE_YOU]})" else p.name,
                        style = MaterialTheme.typography.bodyLarge,
                        maxLines = 1,
                        overflow = TextOverflow.Ellipsis,
                    )
                    val detail =
                        listOfNotNull(
                            p.queuePosition?.let { strings.format(Str.LIVE_QUEUE_POSITION, it) },
                            if (!p.present) strings[Str.LIVE_AWAY] else null,
                        ).joinToString(" · ")
                    if (detail.isNotEmpty()) Text(detail, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
                }
                val (container, content) =
                    when (p.role) {
                        DojoRole.PILOTO -> colors.pilot to MaterialTheme.colorScheme.surface
                        DojoRole.COPILOTO -> colors.copilot to MaterialTheme.colorScheme.surface
                        DojoRole.PLATEIA -> MaterialTheme.colorScheme.surfaceContainerHigh to MaterialTheme.colorScheme.onSurfaceVariant
                    }
                Pill(strings.roleName(p.role), container = container, content = content)
            }
        }
    }
}

@Composable
private fun Chat(
    messages: List<ChatMessageUi>,
    enabled: Boolean,
    onSend: (String) -> Unit,
) {
    var draft by rememberSaveable { mutableStateOf("") }
    Column(Modifier.fillMaxSize()) {
        if (messages.isEmpty()) {
            Box(Modifier.weight(1f).fillMaxWidth(), contentAlignment = Alignment.Center) {
                Text(text(Str.LIVE_CHAT_EMPTY), style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
            }
        } else {
            LazyColumn(Modifier.weight(1f), reverseLayout = true, contentPadding = PaddingValues(vertical = 4.dp)) {
                items(messages.asReversed(), key = { it.seq }) { m ->
                    Row(Modifier.fillMaxWidth().padding(vertical = 3.dp), horizontalArrangement = if (m.mine) Arrangement.End else Arrangement.Start) {
                        Surface(
                            color = if (m.mine) MaterialTheme.colorScheme.primaryContainer else MaterialTheme.colorScheme.surfaceContainerHigh,
                            shape = RoundedCornerShape(12.dp),
                        ) {
                            Column(Modifier.padding(horizontal = 10.dp, vertical = 6.dp)) {
                                if (!m.mine) Text(m.authorName, style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.primary)
                                Text(m.text, style = MaterialTheme.typography.bodyMedium)
                            }
                        }
                    }
                }
            }
        }
        Row(verticalAlignment = Alignment.CenterVertically) {
            OutlinedTextField(
                value = draft,
                onValueChange = { draft = it },
                placeholder = { Text(text(Str.LIVE_CHAT_HINT)) },
                singleLine = true,
                enabled = enabled,
                modifier = Modifier.weight(1f).testTag(LiveTags.CHAT_INPUT),
            )
            IconButton(
                onClick = {
                    if (draft.isNotBlank()) {
                        onSend(draft.trim())
                        draft = ""
                    }
                },
                enabled = enabled && draft.isNotBlank(),
                modifier = Modifier.size(MinTouch).testTag(LiveTags.CHAT_SEND),
            ) { Icon(Icons.Filled.Send, contentDescription = text(Str.SEND)) }
        }
    }
}

@Composable
private fun Controls(
    state: LiveDojoUiState,
    actions: LiveDojoActions,
) {
    val colors = PocdexTheme.colors
    Surface(color = MaterialTheme.colorScheme.surfaceContainer, tonalElevation = 3.dp) {
        Row(
            Modifier.fillMaxWidth().padding(horizontal = 12.dp, vertical = 10.dp),
            horizontalArrangement = Arrangement.spacedBy(8.dp),
            verticalAlignment = Alignment.CenterVertically,
        ) {
            val live = state.isLive && state.phase == DojoPhase.LIVE
            if (state.myRole == DojoRole.PILOTO) {
                Button(
                    onClick = { actions.onTestStatus(TestStatus.RED) },
                    enabled = live,
                    colors = ButtonDefaults.buttonColors(containerColor = MaterialTheme.colorScheme.error, contentColor = MaterialTheme.colorScheme.onError),
                    contentPadding = PaddingValues(horizontal = 8.dp),
                    modifier = Modifier.weight(1f).heightIn(min = MinTouch).testTag(LiveTags.RED),
                ) { Text(text(Str.LIVE_RED)) }
                Button(
                    onClick = { actions.onTestStatus(TestStatus.GREEN) },
                    enabled = live,
                    colors = ButtonDefaults.buttonColors(containerColor = colors.success, contentColor = colors.onSuccess),
                    contentPadding = PaddingValues(horizontal = 8.dp),
                    modifier = Modifier.weight(1f).heightIn(min = MinTouch).testTag(LiveTags.GREEN),
                ) { Text(text(Str.LIVE_GREEN)) }
                val passLabel = text(Str.A11Y_PASS)
                OutlinedButton(
                    onClick = actions.onPass,
                    enabled = live,
                    contentPadding = PaddingValues(horizontal = 8.dp),
                    modifier =
                        Modifier
                            .weight(1f)
                            .heightIn(min = MinTouch)
                            .testTag(LiveTags.PASS)
                            .semantics { contentDescription = passLabel },
                ) {
                    Text(text(Str.LIVE_PASS), maxLines = 1, overflow = TextOverflow.Ellipsis)
                }
            } else if (!state.atKeyboard) {
                OutlinedButton(
                    onClick = { actions.onJoinQueue(!state.inQueue) },
                    enabled = live,
                    modifier = Modifier.weight(1f).heightIn(min = MinTouch).testTag(LiveTags.QUEUE),
                ) { Text(text(if (state.inQueue) Str.LIVE_LEAVE_QUEUE else Str.LIVE_JOIN_QUEUE)) }
            } else {
                Spacer(Modifier.weight(1f))
            }
            if (state.atKeyboard) {
                val paused = state.paused || state.timer.state == TimerState.PAUSED
                IconButton(
                    onClick = if (paused) actions.onResumeTimer else actions.onPause,
                    enabled = live,
                    modifier = Modifier.size(MinTouch).testTag(LiveTags.PAUSE),
                ) {
                    Icon(if (paused) Icons.Filled.PlayArrow else PauseIcon, contentDescription = text(if (paused) Str.LIVE_RESUME else Str.LIVE_PAUSE))
                }
            }
            if (state.connection is ConnectionState.Connecting) {
                CircularProgressIndicator(Modifier.size(20.dp), strokeWidth = 2.dp)
            }
        }
    }
}
