package app.pocdex.ui.components

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Clear
import androidx.compose.material.icons.filled.DateRange
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.DatePicker
import androidx.compose.material3.DatePickerDialog
import androidx.compose.material3.DatePickerState
import androidx.compose.material3.DisplayMode
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TimePicker
import androidx.compose.material3.rememberTimePickerState
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import app.pocdex.ui.strings.Language
import app.pocdex.ui.strings.LocalStrings
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import java.time.Instant
import java.time.LocalDate
import java.time.LocalTime
import java.time.ZoneId
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import java.time.format.FormatStyle
import java.util.Locale

/** The locale of the person's language, for calendars and formats. */
val Strings.locale: Locale
    get() = Locale.forLanguageTag(language.tag)

/** Time pickers use the 24-hour clock in Portuguese (Brazil) and AM/PM in English. */
val Strings.uses24HourClock: Boolean
    get() = language == Language.PT_BR

/** An ISO date (yyyy-MM-dd) as the person reads it: 07/12/2026 in Portuguese, Dec 7, 2026 in English; other text unchanged. */
fun Strings.displayDate(iso: String): String {
    val date = runCatching { LocalDate.parse(iso) }.getOrNull() ?: return iso
    val format =
        when (language) {
            Language.PT_BR -> DateTimeFormatter.ofPattern("dd/MM/yyyy", locale)
            Language.EN -> DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM).withLocale(Locale.US)
        }
    return format.format(date)
}

/** A time of day as the person reads it: 21:30 in Portuguese, 9:30 PM in English. */
fun Strings.displayTime(time: LocalTime): String =
    when (language) {
        Language.PT_BR -> DateTimeFormatter.ofPattern("HH:mm", locale)
        Language.EN -> DateTimeFormatter.ofPattern("h:mm a", Locale.US)
    }.format(time)

/** An instant as the person reads it, in their time zone: 06/12/2026 08:30 in Portuguese, Dec 6, 2026 8:30 AM in English. */
fun Strings.displayDateTime(
    millis: Long,
    zone: ZoneId = ZoneId.systemDefault(),
): String {
    val local = Instant.ofEpochMilli(millis).atZone(zone)
    return displayDate(local.toLocalDate().toString()) + " " + displayTime(local.toLocalTime())
}

/** An ISO instant ("2026-12-06T11:30:59Z") as [displayDateTime]; other text unchanged. */
fun Strings.displayDateTime(
    iso: String,
    zone: ZoneId = ZoneId.systemDefault(),
): String = runCatching { Instant.parse(iso).toEpochMilli() }.getOrNull()?.let { displayDateTime(it, zone) } ?: iso

/** Midnight UTC of an ISO date, the instant Material's date picker works with; null when [iso] is not a date. */
internal fun isoDateToPickerMillis(iso: String): Long? =
    runCatching {
        LocalDate
            .parse(iso)
            .atStartOfDay(ZoneOffset.UTC)
            .toInstant()
            .toEpochMilli()
    }.getOrNull()

/** The ISO date (yyyy-MM-dd) of a date picker selection (midnight UTC of the chosen day). */
internal fun pickerMillisToIsoDate(millis: Long): String =
    Instant
        .ofEpochMilli(millis)
        .atZone(ZoneOffset.UTC)
        .toLocalDate()
        .toString()

/**
 * A read-only field that shows [value] (an ISO date, yyyy-MM-dd, or empty) in the person's
 * language and opens Material's date picker when tapped; the picker's choice goes back to
 * [onValueChange] as an ISO date. With [optional], a clear button empties the field.
 * The whole field is one 48 dp+ button for accessibility services, read as "label: date".
 */
@Composable
fun DateField(
    value: String,
    onValueChange: (String) -> Unit,
    label: String,
    modifier: Modifier = Modifier,
    error: String? = null,
    tag: String? = null,
    optional: Boolean = false,
) {
    val strings = LocalStrings.current
    var open by rememberSaveable { mutableStateOf(false) }
    PickerField(
        shown = if (value.isBlank()) "" else strings.displayDate(value),
        label = label,
        icon = Icons.Filled.DateRange,
        openLabel = strings[Str.DATE_PICK],
        onOpen = { open = true },
        onClear = if (optional && value.isNotBlank()) ({ onValueChange("") }) else null,
        modifier = modifier,
        error = error,
        tag = tag,
    )
    if (open) {
        DatePickerDialogFor(
            initial = value,
            title = label,
            onPicked = {
                open = false
                onValueChange(it)
            },
            onDismiss = { open = false },
            tag = tag,
        )
    }
}

/**
 * A read-only field that shows a time of day in the person's format and opens Material's time
 * picker (a clock dial) in a dialog; the choice goes to [onValueChange].
 */
@Composable
fun TimeField(
    value: LocalTime?,
    onValueChange: (LocalTime) -> Unit,
    label: String,
    modifier: Modifier = Modifier,
    error: String? = null,
    hint: String? = null,
    tag: String? = null,
) {
    val strings = LocalStrings.current
    var open by rememberSaveable { mutableStateOf(false) }
    PickerField(
        shown = value?.let { strings.displayTime(it) } ?: "",
        label = label,
        icon = TimerIcon,
        openLabel = strings[Str.TIME_PICK],
        onOpen = { open = true },
        onClear = null,
        modifier = modifier,
        error = error,
        hint = hint,
        tag = tag,
    )
    if (open) {
        TimePickerDialogFor(
            initial = value ?: LocalTime.of(18, 0),
            title = label,
            is24Hour = strings.uses24HourClock,
            onPicked = {
                open = false
                onValueChange(it)
            },
            onDismiss = { open = false },
            tag = tag,
        )
    }
}

@Composable
private fun PickerField(
    shown: String,
    label: String,
    icon: ImageVector,
    openLabel: String,
    onOpen: () -> Unit,
    onClear: (() -> Unit)?,
    modifier: Modifier,
    error: String?,
    tag: String?,
    hint: String? = null,
) {
    val strings = LocalStrings.current
    val spoken = "$label: " + shown.ifBlank { strings[Str.DATE_NOT_SET] }
    Box(modifier) {
        OutlinedTextField(
            value = shown,
            onValueChange = {},
            readOnly = true,
            singleLine = true,
            label = { Text(label) },
            isError = error != null,
            leadingIcon = { Icon(icon, contentDescription = null) },
            trailingIcon =
                when {
                    onClear != null -> {
                        {
                            IconButton(
                                onClick = onClear,
                                modifier = Modifier.size(MinTouch).then(if (tag != null) Modifier.testTag("$tag.clear") else Modifier),
                            ) {
                                Icon(Icons.Filled.Clear, contentDescription = strings.format(Str.DATE_CLEAR, label))
                            }
                        }
                    }

                    error != null -> {
                        { Icon(Icons.Filled.Warning, contentDescription = null) }
                    }

                    else -> {
                        null
                    }
                },
            supportingText =
                when {
                    error != null -> {
                        { Text(error, modifier = if (tag != null) Modifier.testTag("$tag.error") else Modifier) }
                    }

                    hint != null -> {
                        { Text(hint) }
                    }

                    else -> {
                        null
                    }
                },
            modifier = Modifier.fillMaxWidth().semantics { if (error != null) error(error) },
        )
        // Above the text field (which would take the tap for a keyboard), leaving the clear button free.
        Box(
            Modifier
                .matchParentSize()
                .padding(end = if (onClear != null) MinTouch else 0.dp)
                .clickable(onClickLabel = openLabel, role = Role.Button, onClick = onOpen)
                .semantics { contentDescription = spoken }
                .then(if (tag != null) Modifier.testTag(tag) else Modifier),
        )
    }
}

@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun DatePickerDialogFor(
    initial: String,
    title: String,
    onPicked: (String) -> Unit,
    onDismiss: () -> Unit,
    tag: String?,
) {
    val strings = LocalStrings.current
    val state =
        remember(strings.language) {
            val selected = isoDateToPickerMillis(initial)
            DatePickerState(
                locale = strings.locale,
                initialSelectedDateMillis = selected,
                initialDisplayedMonthMillis = selected,
                initialDisplayMode = DisplayMode.Picker,
            )
        }
    DatePickerDialog(
        onDismissRequest = onDismiss,
        confirmButton = {
            TextButton(
                onClick = { state.selectedDateMillis?.let { onPicked(pickerMillisToIsoDate(it)) } ?: onDismiss() },
                enabled = state.selectedDateMillis != null,
                modifier = Modifier.testTag(dialogTag(tag, "confirm")),
            ) { Text(strings[Str.CONFIRM]) }
        },
        dismissButton = {
            TextButton(onClick = onDismiss, modifier = Modifier.testTag(dialogTag(tag, "cancel"))) { Text(strings[Str.CANCEL]) }
        },
    ) {
        DatePickerWith(state, title)
    }
}

@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun DatePickerWith(
    state: DatePickerState,
    title: String,
) {
    DatePicker(
        state = state,
        title = {
            Text(
                title,
                style = MaterialTheme.typography.labelLarge,
                modifier = Modifier.padding(start = 24.dp, end = 12.dp, top = 16.dp),
            )
        },
    )
}

@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun TimePickerDialogFor(
    initial: LocalTime,
    title: String,
    is24Hour: Boolean,
    onPicked: (LocalTime) -> Unit,
    onDismiss: () -> Unit,
    tag: String?,
) {
    val strings = LocalStrings.current
    val state = rememberTimePickerState(initialHour = initial.hour, initialMinute = initial.minute, is24Hour = is24Hour)
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text(title) },
        text = { TimePicker(state = state) },
        confirmButton = {
            TextButton(
                onClick = { onPicked(LocalTime.of(state.hour, state.minute)) },
                modifier = Modifier.testTag(dialogTag(tag, "confirm")),
            ) { Text(strings[Str.CONFIRM]) }
        },
        dismissButton = {
            TextButton(onClick = onDismiss, modifier = Modifier.testTag(dialogTag(tag, "cancel"))) { Text(strings[Str.CANCEL]) }
        },
    )
}

private fun dialogTag(
    tag: String?,
    button: String,
): String = "${tag ?: "picker"}.$button"
