package app.pocdex.ui.screens

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
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.DateRange
import androidx.compose.material.icons.filled.PlayArrow
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.FilledTonalButton
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SecondaryTabRow
import androidx.compose.material3.Switch
import androidx.compose.material3.Tab
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import app.pocdex.core.model.Dojo
import app.pocdex.core.model.DojoListFilters
import app.pocdex.core.model.DojoStatuses
import app.pocdex.core.state.DojoFields
import app.pocdex.core.state.DojoListUiState
import app.pocdex.core.state.DojoScheduleUiState
import app.pocdex.ui.components.Banner
import app.pocdex.ui.components.BannerKind
import app.pocdex.ui.components.CodeIcon
import app.pocdex.ui.components.DateField
import app.pocdex.ui.components.EmptyState
import app.pocdex.ui.components.ErrorState
import app.pocdex.ui.components.LoadingState
import app.pocdex.ui.components.MinTouch
import app.pocdex.ui.components.OfflineBanner
import app.pocdex.ui.components.PeopleIcon
import app.pocdex.ui.components.Pill
import app.pocdex.ui.components.PocdexTextField
import app.pocdex.ui.components.PocdexTopBar
import app.pocdex.ui.components.PrimaryButton
import app.pocdex.ui.components.ReplayIcon
import app.pocdex.ui.components.TimeField
import app.pocdex.ui.components.TimerIcon
import app.pocdex.ui.components.displayDateTime
import app.pocdex.ui.strings.LocalStrings
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.errorText
import app.pocdex.ui.strings.fieldText
import app.pocdex.ui.strings.text
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId

object DojoTags {
    const val LIST = "dojos.list"
    const val SCHEDULE = "dojos.schedule"
    const val SCHEDULE_SUBMIT = "schedule.submit"

    fun tab(filter: String) = "dojos.tab.$filter"

    fun item(id: String) = "dojos.item.$id"

    fun join(id: String) = "dojos.join.$id"

    fun start(id: String) = "dojos.start.$id"

    fun replay(id: String) = "dojos.replay.$id"

    fun field(name: String) = "schedule.$name"
}

class DojoListActions(
    val onFilter: (String) -> Unit = {},
    val onRetry: () -> Unit = {},
    val onJoin: (String) -> Unit = {},
    val onStart: (String) -> Unit = {},
    val onReplay: (String) -> Unit = {},
    val onSchedule: () -> Unit = {},
)

private val dojoFilters = listOf(DojoListFilters.UPCOMING, DojoListFilters.LIVE, DojoListFilters.PAST)

/** Dojos by state (upcoming, live, past): join a live one, start one you facilitate, replay a past one. */
@Composable
fun DojoListScreen(
    state: DojoListUiState,
    actions: DojoListActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    val fabLabel = text(Str.DOJOS_SCHEDULE)
    Scaffold(
        modifier = modifier,
        topBar = { PocdexTopBar(text(Str.DOJOS_TITLE)) },
        floatingActionButton = {
            ExtendedFloatingActionButton(
                onClick = actions.onSchedule,
                icon = { Icon(Icons.Filled.Add, contentDescription = null) },
                text = { Text(text(Str.DOJOS_SCHEDULE)) },
                modifier = Modifier.testTag(DojoTags.SCHEDULE).semantics { contentDescription = fabLabel },
            )
        },
    ) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            SecondaryTabRow(selectedTabIndex = dojoFilters.indexOf(state.filter).coerceAtLeast(0)) {
                dojoFilters.forEach { f ->
                    Tab(
                        selected = state.filter == f,
                        onClick = { actions.onFilter(f) },
                        text = {
                            Text(
                                text(
                                    when (f) {
                                        DojoListFilters.LIVE -> Str.DOJOS_LIVE
                                        DojoListFilters.PAST -> Str.DOJOS_PAST
                                        else -> Str.DOJOS_UPCOMING
                                    },
                                ),
                            )
                        },
                        modifier = Modifier.testTag(DojoTags.tab(f)),
                    )
                }
            }
            Box(Modifier.weight(1f).fillMaxWidth()) {
                when {
                    state.loading && state.dojos.isEmpty() -> {
                        LoadingState()
                    }

                    state.error != null && state.dojos.isEmpty() -> {
                        if (state.offline) {
                            Column(Modifier.padding(16.dp)) { OfflineBanner(message = text(Str.OFFLINE_NOTHING), onRetry = actions.onRetry) }
                        } else {
                            ErrorState(strings.errorText(state.error!!), onRetry = actions.onRetry)
                        }
                    }

                    state.isEmpty -> {
                        EmptyState(
                            PeopleIcon,
                            text(Str.DOJOS_EMPTY_TITLE),
                            text(Str.DOJOS_EMPTY_MESSAGE),
                            actionLabel = text(Str.DOJOS_SCHEDULE),
                            onAction = actions.onSchedule,
                        )
                    }

                    else -> {
                        LazyColumn(
                            Modifier.fillMaxSize().testTag(DojoTags.LIST),
                            contentPadding = PaddingValues(start = 16.dp, end = 16.dp, top = 12.dp, bottom = 96.dp),
                            verticalArrangement = Arrangement.spacedBy(10.dp),
                        ) {
                            state.actionError?.let { e -> item { Banner(BannerKind.ERROR, strings.errorText(e)) } }
                            items(state.dojos, key = { it.id }) { DojoCard(it, state.startingId == it.id, actions) }
                        }
                    }
                }
            }
        }
    }
}

@Composable
private fun DojoCard(
    dojo: Dojo,
    starting: Boolean,
    actions: DojoListActions,
) {
    val live = dojo.status == DojoStatuses.LIVE
    Card(
        Modifier.fillMaxWidth().testTag(DojoTags.item(dojo.id)),
        colors =
            CardDefaults.cardColors(
                containerColor = if (live) MaterialTheme.colorScheme.tertiaryContainer else MaterialTheme.colorScheme.surfaceContainerLow,
            ),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Icon(CodeIcon, contentDescription = null, tint = MaterialTheme.colorScheme.primary)
                Spacer(Modifier.width(10.dp))
                Text(dojo.title, style = MaterialTheme.typography.titleMedium, modifier = Modifier.weight(1f), maxLines = 2, overflow = TextOverflow.Ellipsis)
                if (live) {
                    Pill(text(Str.DOJOS_LIVE), container = MaterialTheme.colorScheme.error, content = MaterialTheme.colorScheme.onError)
                }
            }
            if (dojo.kata.isNotBlank()) Text(dojo.kata, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
            Row(horizontalArrangement = Arrangement.spacedBy(6.dp), verticalAlignment = Alignment.CenterVertically) {
                if (dojo.language.isNotBlank()) Pill(dojo.language, container = MaterialTheme.colorScheme.secondaryContainer)
                if (dojo.rotationMinutes > 0) Pill(text(Str.DOJOS_ROTATION, dojo.rotationMinutes), icon = TimerIcon)
            }
            if (dojo.scheduledAt.isNotBlank() && dojo.status == DojoStatuses.SCHEDULED) {
                Row(verticalAlignment = Alignment.CenterVertically) {
                    Icon(Icons.Filled.DateRange, contentDescription = null, modifier = Modifier.size(16.dp), tint = MaterialTheme.colorScheme.onSurfaceVariant)
                    Spacer(Modifier.width(6.dp))
                    Text(
                        LocalStrings.current.displayDateTime(dojo.scheduledAt),
                        style = MaterialTheme.typography.labelMedium,
                        color = MaterialTheme.colorScheme.onSurfaceVariant,
                    )
                }
            }
            dojo.facilitator?.let {
                Text(text(Str.DOJOS_FACILITATOR, it.name), style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
            }
            Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.End) {
                when (dojo.status) {
                    DojoStatuses.LIVE -> {
                        FilledTonalButton(onClick = { actions.onJoin(dojo.id) }, modifier = Modifier.heightIn(min = MinTouch).testTag(DojoTags.join(dojo.id))) {
                            Icon(Icons.Filled.PlayArrow, contentDescription = null)
                            Spacer(Modifier.width(6.dp))
                            Text(text(Str.DOJOS_JOIN))
                        }
                    }

                    DojoStatuses.ENDED -> {
                        FilledTonalButton(
                            onClick = { actions.onReplay(dojo.id) },
                            modifier = Modifier.heightIn(min = MinTouch).testTag(DojoTags.replay(dojo.id)),
                        ) {
                            Icon(ReplayIcon, contentDescription = null)
                            Spacer(Modifier.width(6.dp))
                            Text(text(Str.DOJOS_REPLAY))
                        }
                    }

                    else -> {
                        FilledTonalButton(onClick = { actions.onJoin(dojo.id) }, modifier = Modifier.heightIn(min = MinTouch).testTag(DojoTags.join(dojo.id))) {
                            Text(text(Str.DOJOS_JOIN))
                        }
                        if (dojo.canRun) {
                            Spacer(Modifier.width(8.dp))
                            PrimaryButtonCompact(text(Str.DOJOS_START), { actions.onStart(dojo.id) }, starting, DojoTags.start(dojo.id))
                        }
                    }
                }
            }
        }
    }
}

@Composable
private fun PrimaryButtonCompact(
    label: String,
    onClick: () -> Unit,
    loading: Boolean,
    tag: String,
) {
    androidx.compose.material3.Button(
        onClick = { if (!loading) onClick() },
        modifier = Modifier.heightIn(min = MinTouch).testTag(tag),
    ) {
        if (loading) {
            androidx.compose.material3.CircularProgressIndicator(Modifier.size(18.dp), strokeWidth = 2.dp, color = MaterialTheme.colorScheme.onPrimary)
            Spacer(Modifier.width(8.dp))
        }
        Text(label)
    }
}

class DojoScheduleActions(
    val onBack: () -> Unit = {},
    val onTitleChange: (String) -> Unit = {},
    val onKataChange: (String) -> Unit = {},
    val onLanguageChange: (String) -> Unit = {},
    val onRotationChange: (Int) -> Unit = {},
    val onScheduledAtChange: (String) -> Unit = {},
    val onVisibilityChange: (String) -> Unit = {},
    val onCopilotoMayEditChange: (Boolean) -> Unit = {},
    val onSubmit: () -> Unit = {},
)

@Composable
fun DojoScheduleScreen(
    state: DojoScheduleUiState,
    actions: DojoScheduleActions,
    modifier: Modifier = Modifier,
    zone: ZoneId = ZoneId.systemDefault(),
) {
    val strings = LocalStrings.current
    Scaffold(modifier = modifier, topBar = { PocdexTopBar(text(Str.SCHEDULE_TITLE), onBack = actions.onBack) }) { padding ->
        Column(
            Modifier
                .padding(padding)
                .fillMaxSize()
                .verticalScroll(rememberScrollState())
                .padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(10.dp),
        ) {
            state.error?.let { Banner(BannerKind.ERROR, strings.errorText(it)) }
            PocdexTextField(
                state.title,
                actions.onTitleChange,
                text(Str.SCHEDULE_NAME),
                error = strings.fieldText(state.fieldErrors[DojoFields.TITLE]),
                tag = DojoTags.field(DojoFields.TITLE),
            )
            PocdexTextField(
                state.kata,
                actions.onKataChange,
                text(Str.SCHEDULE_KATA),
                error = strings.fieldText(state.fieldErrors[DojoFields.KATA]),
                tag = DojoTags.field(DojoFields.KATA),
            )
            PocdexTextField(
                state.language,
                actions.onLanguageChange,
                text(Str.SCHEDULE_LANGUAGE),
                error = strings.fieldText(state.fieldErrors[DojoFields.LANGUAGE]),
                tag = DojoTags.field(DojoFields.LANGUAGE),
            )
            ScheduledAtFields(state.scheduledAt, actions.onScheduledAtChange, zone, strings.fieldText(state.fieldErrors[DojoFields.SCHEDULED_AT]))
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(text(Str.SCHEDULE_ROTATION), style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(1f))
                IconButton(
                    onClick = { actions.onRotationChange((state.rotationMinutes - 1).coerceAtLeast(1)) },
                    modifier = Modifier.size(MinTouch).testTag("schedule.rotation.minus"),
                ) {
                    Text("−", style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { contentDescription = strings[Str.A11Y_DECREASE] })
                }
                Text("${state.rotationMinutes}", style = MaterialTheme.typography.titleLarge, modifier = Modifier.testTag("schedule.rotation"))
                IconButton(
                    onClick = { actions.onRotationChange((state.rotationMinutes + 1).coerceAtMost(60)) },
                    modifier = Modifier.size(MinTouch).testTag("schedule.rotation.plus"),
                ) {
                    Text("+", style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { contentDescription = strings[Str.A11Y_INCREASE] })
                }
            }
            state.fieldErrors[DojoFields.ROTATION_MINUTES]?.let {
                Text(strings.fieldText(it) ?: "", color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodySmall)
            }
            SwitchRow(text(Str.SCHEDULE_COPILOT_EDITS), state.copilotoMayEdit, actions.onCopilotoMayEditChange, "schedule.copilot")
            SwitchRow(
                text(Str.SCHEDULE_INVITED_ONLY),
                state.visibility == "invited",
                { actions.onVisibilityChange(if (it) "invited" else "team") },
                "schedule.invited",
            )
            PrimaryButton(text(Str.SCHEDULE_SUBMIT), actions.onSubmit, loading = state.submitting, tag = DojoTags.SCHEDULE_SUBMIT)
        }
    }
}

/**
 * The dojo's start as a date field and a time field in the person's time zone [zone]. The
 * state holder takes one ISO instant (2026-12-07T18:00:00Z): it is sent once both parts are
 * chosen, and again whenever one of them changes.
 */
@Composable
private fun ScheduledAtFields(
    scheduledAt: String,
    onChange: (String) -> Unit,
    zone: ZoneId,
    error: String?,
) {
    val local = remember(scheduledAt, zone) { runCatching { Instant.parse(scheduledAt).atZone(zone) }.getOrNull() }
    var date by remember(scheduledAt, zone) { mutableStateOf(local?.toLocalDate()?.toString() ?: "") }
    var time by remember(scheduledAt, zone) { mutableStateOf(local?.toLocalTime()) }

    fun send() {
        val day = runCatching { LocalDate.parse(date) }.getOrNull() ?: return
        val at = time ?: return
        onChange(
            day
                .atTime(at)
                .atZone(zone)
                .toInstant()
                .toString(),
        )
    }
    val tag = DojoTags.field(DojoFields.SCHEDULED_AT)
    DateField(
        date,
        {
            date = it
            send()
        },
        text(Str.SCHEDULE_WHEN),
        error = error.takeIf { date.isBlank() || time != null },
        tag = tag,
    )
    TimeField(
        time,
        {
            time = it
            send()
        },
        text(Str.SCHEDULE_TIME),
        error = error.takeIf { date.isNotBlank() && time == null },
        hint = text(Str.SCHEDULE_TIME_ZONE, zone.id),
        tag = "$tag.time",
    )
}

@Composable
internal fun SwitchRow(
    label: String,
    checked: Boolean,
    onChange: (Boolean) -> Unit,
    tag: String,
) {
    Row(
        Modifier
            .fillMaxWidth()
            .heightIn(min = MinTouch)
            .androidxToggleable(checked, label, onChange),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Text(label, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(1f))
        Switch(checked = checked, onCheckedChange = null, modifier = Modifier.testTag(tag))
    }
}

private fun Modifier.androidxToggleable(
    checked: Boolean,
    label: String,
    onChange: (Boolean) -> Unit,
): Modifier = this.toggleable(value = checked, role = Role.Switch, onValueChange = onChange).semantics { contentDescription = label }
