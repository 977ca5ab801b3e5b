package app.pocdex.ui.screens

import androidx.compose.foundation.BorderStroke
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.KeyboardArrowLeft
import androidx.compose.material.icons.filled.KeyboardArrowRight
import androidx.compose.material.icons.filled.PlayArrow
import androidx.compose.material3.FilledIconButton
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Slider
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.unit.dp
import app.pocdex.core.dojo.ReplayEventUi
import app.pocdex.core.dojo.ReplayUiState
import app.pocdex.core.dojo.TestStatus
import app.pocdex.ui.components.EmptyState
import app.pocdex.ui.components.ErrorState
import app.pocdex.ui.components.LoadingState
import app.pocdex.ui.components.MinTouch
import app.pocdex.ui.components.PauseIcon
import app.pocdex.ui.components.Pill
import app.pocdex.ui.components.PocdexTopBar
import app.pocdex.ui.components.ReplayIcon
import app.pocdex.ui.components.displayDateTime
import app.pocdex.ui.strings.LocalStrings
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.strings.text
import app.pocdex.ui.theme.CodeTextStyle
import app.pocdex.ui.theme.PocdexTheme
import kotlin.math.roundToInt

object ReplayTags {
    const val DOCUMENT = "replay.document"
    const val SEEK = "replay.seek"
    const val PLAY = "replay.play"
    const val NEXT = "replay.next"
    const val PREVIOUS = "replay.previous"
    const val POSITION = "replay.position"
    const val EVENT = "replay.event"
}

class ReplayActions(
    val onBack: () -> Unit = {},
    val onRetry: () -> Unit = {},
    val onPlay: () -> Unit = {},
    val onPause: () -> Unit = {},
    val onStepForward: () -> Unit = {},
    val onStepBack: () -> Unit = {},
    val onSeek: (Int) -> Unit = {},
)

fun Strings.eventText(event: ReplayEventUi): String {
    val who = event.actorName ?: "—"
    return when (event.type) {
        "op" -> format(Str.EVENT_OP, who)
        "chat" -> format(Str.EVENT_CHAT, who, event.detail ?: "")
        "roles" -> get(Str.EVENT_ROLES)
        "test_status" -> format(if (event.detail == "red") Str.EVENT_TEST_RED else Str.EVENT_TEST_GREEN, who)
        "timer" -> format(Str.EVENT_TIMER, event.detail ?: "")
        "presence" -> format(Str.EVENT_PRESENCE, who)
        "dojo_started" -> get(Str.EVENT_STARTED)
        "dojo_ended" -> get(Str.EVENT_ENDED)
        else -> format(Str.EVENT_OTHER, event.type)
    }
}

/** A finished dojo replayed event by event: the code as of each step, who was at the keyboard, red/green. */
@Composable
fun ReplayScreen(
    state: ReplayUiState,
    actions: ReplayActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    Scaffold(
        modifier = modifier,
        topBar = { PocdexTopBar(state.title.ifBlank { text(Str.REPLAY_TITLE) }, subtitle = text(Str.REPLAY_TITLE), onBack = actions.onBack) },
    ) { padding ->
        Box(Modifier.padding(padding).fillMaxSize()) {
            when {
                state.loading -> {
                    LoadingState()
                }

                state.error != null -> {
                    ErrorState(
                        if (state.error ==
                            "not_found"
                        ) {
                            text(Str.ERR_NOT_FOUND)
                        } else if (state.error == "network") {
                            text(Str.ERR_NETWORK)
                        } else {
                            text(Str.ERR_UNKNOWN)
                        },
                        onRetry = actions.onRetry,
                    )
                }

                state.isEmpty -> {
                    EmptyState(ReplayIcon, text(Str.REPLAY_TITLE), text(Str.REPLAY_EMPTY))
                }

                else -> {
                    ReplayContent(state, actions, strings)
                }
            }
        }
    }
}

@Composable
private fun ReplayContent(
    state: ReplayUiState,
    actions: ReplayActions,
    strings: Strings,
) {
    val colors = PocdexTheme.colors
    Column(Modifier.fillMaxSize().padding(horizontal = 16.dp, vertical = 8.dp), verticalArrangement = Arrangement.spacedBy(10.dp)) {
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
            Text(
                strings.format(Str.REPLAY_SEATS, state.pilotoName ?: strings[Str.REPLAY_NOBODY], state.copilotoName ?: strings[Str.REPLAY_NOBODY]),
                style = MaterialTheme.typography.bodyMedium,
                modifier = Modifier.weight(1f),
            )
            when (state.testStatus) {
                TestStatus.RED -> {
                    Pill(
                        strings[Str.LIVE_TESTS_RED],
                        container = MaterialTheme.colorScheme.errorContainer,
                        content = MaterialTheme.colorScheme.onErrorContainer,
                    )
                }

                TestStatus.GREEN -> {
                    Pill(strings[Str.LIVE_TESTS_GREEN], container = colors.successContainer, content = colors.onSuccessContainer)
                }

                null -> {}
            }
        }
        Surface(
            color = MaterialTheme.colorScheme.surfaceContainerLowest,
            shape = RoundedCornerShape(14.dp),
            border = BorderStroke(1.dp, MaterialTheme.colorScheme.outlineVariant),
            modifier = Modifier.weight(1f).fillMaxWidth(),
        ) {
            Text(
                state.document,
                style = CodeTextStyle,
                color = MaterialTheme.colorScheme.onSurface,
                modifier = Modifier.verticalScroll(rememberScrollState()).padding(12.dp).testTag(ReplayTags.DOCUMENT),
            )
        }
        Surface(color = MaterialTheme.colorScheme.secondaryContainer, shape = RoundedCornerShape(12.dp), modifier = Modifier.fillMaxWidth()) {
            Column(Modifier.padding(12.dp)) {
                val current = state.current
                Text(
                    if (current == null) strings[Str.REPLAY_START] else strings.eventText(current),
                    style = MaterialTheme.typography.bodyLarge,
                    modifier = Modifier.testTag(ReplayTags.EVENT),
                )
                if (current != null) {
                    Text(
                        strings.displayDateTime(current.at),
                        style = MaterialTheme.typography.labelSmall,
                        color = MaterialTheme.colorScheme.onSecondaryContainer,
                    )
                }
            }
        }
        val positionText = strings.format(Str.REPLAY_POSITION, state.position, state.totalEvents)
        Slider(
            value = state.position.toFloat(),
            onValueChange = { actions.onSeek(it.roundToInt()) },
            valueRange = 0f..state.totalEvents.coerceAtLeast(1).toFloat(),
            steps = (state.totalEvents - 1).coerceIn(0, 200),
            modifier =
                Modifier.fillMaxWidth().testTag(ReplayTags.SEEK).semantics {
                    contentDescription = strings[Str.REPLAY_SEEK]
                    stateDescription = positionText
                },
        )
        Row(Modifier.fillMaxWidth(), verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.SpaceBetween) {
            Text(positionText, style = MaterialTheme.typography.labelLarge, modifier = Modifier.testTag(ReplayTags.POSITION))
            Row(verticalAlignment = Alignment.CenterVertically) {
                IconButton(onClick = actions.onStepBack, enabled = !state.atStart, modifier = Modifier.size(MinTouch).testTag(ReplayTags.PREVIOUS)) {
                    Icon(Icons.Filled.KeyboardArrowLeft, contentDescription = text(Str.REPLAY_PREVIOUS))
                }
                FilledIconButton(
                    onClick = if (state.playing) actions.onPause else actions.onPlay,
                    enabled = state.playing || !state.atEnd,
                    modifier = Modifier.size(MinTouch).testTag(ReplayTags.PLAY),
                ) {
                    Icon(
                        if (state.playing) PauseIcon else Icons.Filled.PlayArrow,
                        contentDescription = text(if (state.playing) Str.REPLAY_PAUSE else Str.REPLAY_PLAY),
                    )
                }
                IconButton(onClick = actions.onStepForward, enabled = !state.atEnd, modifier = Modifier.size(MinTouch).testTag(ReplayTags.NEXT)) {
                    Icon(Icons.Filled.KeyboardArrowRight, contentDescription = text(Str.REPLAY_NEXT))
                }
            }
        }
        Box(Modifier.fillMaxWidth())
    }
}
