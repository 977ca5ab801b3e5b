package app.pocdex.ui.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
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
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.Delete
import androidx.compose.material.icons.filled.Edit
import androidx.compose.material.icons.filled.Person
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.InputChip
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SnackbarDuration
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.SnackbarResult
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.pulltorefresh.PullToRefreshBox
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import app.pocdex.core.model.Attachment
import app.pocdex.core.model.AttachmentStates
import app.pocdex.core.model.Poc
import app.pocdex.core.model.PocOutcomes
import app.pocdex.core.model.PocStatuses
import app.pocdex.core.model.PocVisibilities
import app.pocdex.core.state.DeletionState
import app.pocdex.core.state.PocDetailUiState
import app.pocdex.core.state.PocEditorUiState
import app.pocdex.core.state.PocFields
import app.pocdex.core.state.PocForm
import app.pocdex.core.state.PocListUiState
import app.pocdex.core.state.UploadPhase
import app.pocdex.core.state.UploadUiState
import app.pocdex.ui.components.Banner
import app.pocdex.ui.components.BannerKind
import app.pocdex.ui.components.DateField
import app.pocdex.ui.components.DocumentIcon
import app.pocdex.ui.components.EmptyState
import app.pocdex.ui.components.ErrorState
import app.pocdex.ui.components.LightbulbIcon
import app.pocdex.ui.components.LinkIcon
import app.pocdex.ui.components.LoadingState
import app.pocdex.ui.components.MinTouch
import app.pocdex.ui.components.OfflineBanner
import app.pocdex.ui.components.Pill
import app.pocdex.ui.components.PocdexTextField
import app.pocdex.ui.components.PocdexTopBar
import app.pocdex.ui.components.PrimaryButton
import app.pocdex.ui.components.SecondaryButton
import app.pocdex.ui.components.SectionCard
import app.pocdex.ui.components.ToggleChip
import app.pocdex.ui.components.UploadIcon
import app.pocdex.ui.components.displayDateTime
import app.pocdex.ui.strings.LocalStrings
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.strings.errorText
import app.pocdex.ui.strings.fieldText
import app.pocdex.ui.strings.outcomeText
import app.pocdex.ui.strings.statusText
import app.pocdex.ui.strings.text
import app.pocdex.ui.theme.PocdexTheme

object PocTags {
    const val LIST = "pocs.list"
    const val NEW = "pocs.new"
    const val LOAD_MORE = "pocs.loadMore"
    const val DELETE = "poc.delete"
    const val DELETE_CONFIRM = "poc.delete.confirm"
    const val EDIT = "poc.edit"
    const val ATTACH = "poc.attach"
    const val SAVE = "editor.save"

    fun item(id: String) = "pocs.item.$id"

    fun attachment(id: String) = "poc.attachment.$id"

    fun field(name: String) = "editor.$name"
}

@Composable
internal fun StatusPill(status: String) {
    val strings = LocalStrings.current
    val colors = PocdexTheme.colors
    val scheme = MaterialTheme.colorScheme
    val (container, content) =
        when (status) {
            PocStatuses.DONE -> colors.successContainer to colors.onSuccessContainer
            PocStatuses.IN_PROGRESS -> scheme.primaryContainer to scheme.onPrimaryContainer
            PocStatuses.ABANDONED -> scheme.surfaceVariant to scheme.onSurfaceVariant
            else -> colors.warningContainer to colors.onWarningContainer
        }
    Pill(strings.statusText(status), container = container, content = content)
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
internal fun PocCard(
    name: String,
    summary: String,
    status: String,
    languages: List<String>,
    tags: List<String>,
    onClick: () -> Unit,
    modifier: Modifier = Modifier,
    author: String? = null,
    title: (@Composable () -> Unit)? = null,
) {
    val openLabel = text(Str.A11Y_OPEN_POC, name)
    Card(
        modifier =
            modifier
                .fillMaxWidth()
                .clickable(onClickLabel = openLabel, onClick = onClick),
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surfaceContainerLow),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Box(Modifier.weight(1f)) {
                    if (title != null) {
                        title()
                    } else {
                        Text(name, style = MaterialTheme.typography.titleMedium, maxLines = 2, overflow = TextOverflow.Ellipsis)
                    }
                }
                Spacer(Modifier.width(8.dp))
                StatusPill(status)
            }
            if (summary.isNotBlank()) {
                Text(
                    summary,
                    style = MaterialTheme.typography.bodyMedium,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                    maxLines = 2,
                    overflow = TextOverflow.Ellipsis,
                )
            }
            if (languages.isNotEmpty() || tags.isNotEmpty()) {
                FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
                    languages.forEach {
                        Pill(it, container = MaterialTheme.colorScheme.tertiaryContainer, content = MaterialTheme.colorScheme.onTertiaryContainer)
                    }
                    tags.forEach { Pill("#$it") }
                }
            }
            if (author != null) {
                Text(
                    text(Str.POCS_BY, author),
                    style = MaterialTheme.typography.labelMedium,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                )
            }
        }
    }
}

class PocListActions(
    val onRefresh: () -> Unit = {},
    val onRetry: () -> Unit = {},
    val onLoadMore: () -> Unit = {},
    val onOpen: (String) -> Unit = {},
    val onCreate: () -> Unit = {},
)

/** The POC list: cursor paging (more loads near the end), pull-to-refresh, offline marker. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun PocListScreen(
    state: PocListUiState,
    actions: PocListActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    val fabLabel = text(Str.POCS_NEW)
    Scaffold(
        modifier = modifier,
        topBar = { PocdexTopBar(text(Str.POCS_TITLE)) },
        floatingActionButton = {
            if (!state.offline) {
                ExtendedFloatingActionButton(
                    onClick = actions.onCreate,
                    icon = { Icon(Icons.Filled.Add, contentDescription = null) },
                    text = { Text(text(Str.POCS_NEW)) },
                    modifier = Modifier.testTag(PocTags.NEW).semantics { contentDescription = fabLabel },
                )
            }
        },
    ) { padding ->
        Box(Modifier.padding(padding).fillMaxSize()) {
            when {
                state.loading && state.items.isEmpty() -> {
                    LoadingState()
                }

                state.error != null && state.items.isEmpty() -> {
                    ErrorState(
                        message = if (state.offline) text(Str.OFFLINE_NOTHING) else strings.errorText(state.error!!),
                        onRetry = actions.onRetry,
                    )
                }

                state.isEmpty -> {
                    EmptyState(
                        LightbulbIcon,
                        text(Str.POCS_EMPTY_TITLE),
                        text(Str.POCS_EMPTY_MESSAGE),
                        actionLabel = text(Str.POCS_NEW),
                        onAction = actions.onCreate,
                    )
                }

                else -> {
                    PullToRefreshBox(
                        isRefreshing = state.refreshing,
                        onRefresh = actions.onRefresh,
                        modifier = Modifier.fillMaxSize(),
                    ) {
                        LazyColumn(
                            Modifier.fillMaxSize().testTag(PocTags.LIST),
                            contentPadding = PaddingValues(start = 16.dp, end = 16.dp, top = 4.dp, bottom = 96.dp),
                            verticalArrangement = Arrangement.spacedBy(10.dp),
                        ) {
                            if (state.offline) {
                                item {
                                    OfflineBanner(
                                        message =
                                            state.savedAtMillis?.let {
                                                strings.format(Str.POCS_SAVED_AT, strings.displayDateTime(it)) + " " +
                                                    strings[Str.OFFLINE_SAVED]
                                            }
                                                ?: strings[Str.OFFLINE_SAVED],
                                        onRetry = actions.onRetry,
                                    )
                                }
                            } else if (state.error != null) {
                                item { Banner(BannerKind.ERROR, strings.errorText(state.error!!), actionLabel = text(Str.RETRY), onAction = actions.onRetry) }
                            }
                            items(state.items, key = { it.id }) { poc ->
                                PocCard(
                                    name = poc.name,
                                    summary = poc.summary,
                                    status = poc.status,
                                    languages = poc.languages.map { it.name },
                                    tags = poc.tags.map { it.label },
                                    author = poc.author?.name,
                                    onClick = { actions.onOpen(poc.id) },
                                    modifier = Modifier.testTag(PocTags.item(poc.id)),
                                )
                            }
                            item { ListFooter(state, actions) }
                        }
                    }
                }
            }
        }
    }
}

@Composable
private fun ListFooter(
    state: PocListUiState,
    actions: PocListActions,
) {
    val strings = LocalStrings.current
    Box(Modifier.fillMaxWidth().padding(vertical = 8.dp), contentAlignment = Alignment.Center) {
        when {
            state.loadingMore -> {
                CircularProgressIndicator(Modifier.size(28.dp).semantics { contentDescription = strings[Str.LOADING] })
            }

            state.loadMoreError != null -> {
                Banner(BannerKind.ERROR, text(Str.POCS_LOAD_MORE_FAILED), actionLabel = text(Str.RETRY), onAction = actions.onLoadMore)
            }

            state.canLoadMore -> {
                // Reaching the end of the list asks for the next page; the button stays for TalkBack users.
                LaunchedEffect(state.nextCursor) { actions.onLoadMore() }
                TextButton(onClick = actions.onLoadMore, modifier = Modifier.heightIn(min = MinTouch).testTag(PocTags.LOAD_MORE)) {
                    Text(text(Str.LOAD_MORE))
                }
            }

            state.items.isNotEmpty() && !state.offline -> {
                Text(text(Str.POCS_END), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
            }
        }
    }
}

class PocDetailActions(
    val onBack: () -> Unit = {},
    val onRetry: () -> Unit = {},
    val onEdit: () -> Unit = {},
    val onDelete: () -> Unit = {},
    val onUndoDelete: () -> Unit = {},
    val onAttachFile: () -> Unit = {},
    val onOpenAttachment: (String) -> Unit = {},
    val onDismissUpload: (Long) -> Unit = {},
    val onOpenLink: (String) -> Unit = {},
)

/** A POC: hypothesis, outcome, learnings, links, contributors and attachments; delete with undo. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun PocDetailScreen(
    state: PocDetailUiState,
    actions: PocDetailActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    val snackbar = remember { SnackbarHostState() }
    var confirmDelete by rememberSaveable { mutableStateOf(false) }
    val deletion = state.deletion
    LaunchedEffect(deletion) {
        if (deletion is DeletionState.Undoable) {
            val result =
                snackbar.showSnackbar(
                    strings[Str.DETAIL_DELETED],
                    actionLabel = strings[Str.UNDO],
                    duration = SnackbarDuration.Indefinite,
                )
            if (result == SnackbarResult.ActionPerformed) actions.onUndoDelete()
        } else {
            snackbar.currentSnackbarData?.dismiss()
        }
    }
    val poc = state.poc
    Scaffold(
        modifier = modifier,
        snackbarHost = { SnackbarHost(snackbar) },
        topBar = {
            PocdexTopBar(
                title = poc?.name ?: text(Str.LOADING),
                onBack = actions.onBack,
                actions = {
                    if (state.canEdit && deletion == DeletionState.None) {
                        IconButton(onClick = actions.onEdit, modifier = Modifier.size(MinTouch).testTag(PocTags.EDIT)) {
                            Icon(Icons.Filled.Edit, contentDescription = text(Str.EDIT))
                        }
                        IconButton(onClick = { confirmDelete = true }, modifier = Modifier.size(MinTouch).testTag(PocTags.DELETE)) {
                            Icon(Icons.Filled.Delete, contentDescription = text(Str.DELETE))
                        }
                    }
                },
            )
        },
    ) { padding ->
        Box(Modifier.padding(padding).fillMaxSize()) {
            when {
                poc == null && state.loading -> LoadingState()
                poc == null -> ErrorState(state.error?.let { strings.errorText(it) } ?: text(Str.ERR_UNKNOWN), onRetry = actions.onRetry)
                else -> PocDetailContent(poc, state, actions, strings)
            }
        }
    }
    if (confirmDelete) {
        AlertDialog(
            onDismissRequest = { confirmDelete = false },
            title = { Text(text(Str.DETAIL_DELETE_CONFIRM_TITLE)) },
            text = { Text(text(Str.DETAIL_DELETE_CONFIRM_MESSAGE)) },
            confirmButton = {
                TextButton(
                    onClick = {
                        confirmDelete = false
                        actions.onDelete()
                    },
                    modifier = Modifier.testTag(PocTags.DELETE_CONFIRM),
                ) { Text(text(Str.DELETE)) }
            },
            dismissButton = { TextButton(onClick = { confirmDelete = false }) { Text(text(Str.CANCEL)) } },
        )
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun PocDetailContent(
    poc: Poc,
    state: PocDetailUiState,
    actions: PocDetailActions,
    strings: Strings,
) {
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(horizontal = 16.dp, vertical = 8.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        if (state.offline) {
            OfflineBanner(
                message = state.savedAtMillis?.let { strings.format(Str.POCS_SAVED_AT, strings.displayDateTime(it)) } ?: strings[Str.OFFLINE_SAVED],
                onRetry = actions.onRetry,
            )
        }
        state.actionError?.let { Banner(BannerKind.ERROR, strings.errorText(it)) }
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            StatusPill(poc.status)
            strings.outcomeText(poc.outcome)?.let {
                val c = PocdexTheme.colors
                if (poc.outcome == PocOutcomes.VALIDATED) Pill(it, container = c.successContainer, content = c.onSuccessContainer) else Pill(it)
            }
            poc.languages.forEach {
                Pill(it.name, container = MaterialTheme.colorScheme.tertiaryContainer, content = MaterialTheme.colorScheme.onTertiaryContainer)
            }
            poc.tags.forEach { Pill("#${it.label}") }
        }
        if (poc.summary.isNotBlank()) Text(poc.summary, style = MaterialTheme.typography.bodyLarge)
        TextSection(text(Str.DETAIL_HYPOTHESIS), poc.hypothesis, LightbulbIcon)
        TextSection(text(Str.DETAIL_OUTCOME), poc.outcome.let { strings.outcomeText(it) ?: "" }, null)
        TextSection(text(Str.DETAIL_LEARNINGS), poc.learnings, null)
        if (poc.description.isNotBlank()) TextSection(text(Str.DETAIL_DESCRIPTION), poc.description, null)
        if (poc.links.isNotEmpty() || poc.repositoryUrl.isNotBlank()) {
            SectionCard(text(Str.DETAIL_LINKS), icon = LinkIcon) {
                if (poc.repositoryUrl.isNotBlank()) LinkRow(text(Str.DETAIL_REPOSITORY), poc.repositoryUrl, actions.onOpenLink)
                poc.links.forEach { LinkRow(it.title.ifBlank { it.url }, it.url, actions.onOpenLink) }
            }
        }
        val people = poc.contributorRefs.map { it.name }.ifEmpty { listOfNotNull(poc.author?.name) }
        if (people.isNotEmpty()) {
            SectionCard(text(Str.DETAIL_CONTRIBUTORS), icon = Icons.Filled.Person) {
                FlowRow(horizontalArrangement = Arrangement.spacedBy(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    people.forEach { name ->
                        Row(verticalAlignment = Alignment.CenterVertically) {
                            app.pocdex.ui.components
                                .Avatar(name, size = 28.dp)
                            Spacer(Modifier.width(6.dp))
                            Text(name, style = MaterialTheme.typography.bodyMedium)
                        }
                    }
                }
            }
        }
        SectionCard(text(Str.DETAIL_ATTACHMENTS), icon = DocumentIcon) {
            state.uploads.forEach { UploadRow(it, actions, strings) }
            if (state.attachments.isEmpty() && state.uploads.isEmpty()) {
                Text(text(Str.DETAIL_NO_ATTACHMENTS), style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
            }
            state.attachments.forEachIndexed { i, a ->
                if (i > 0) HorizontalDivider()
                AttachmentRow(a, actions)
            }
            if (state.canEdit) {
                SecondaryButton(text(Str.DETAIL_ADD_FILE), actions.onAttachFile, icon = UploadIcon, tag = PocTags.ATTACH)
            }
        }
        Spacer(Modifier.heightIn(min = 24.dp))
    }
}

@Composable
private fun TextSection(
    title: String,
    body: String,
    icon: androidx.compose.ui.graphics.vector.ImageVector?,
) {
    SectionCard(title, icon = icon) {
        if (body.isBlank()) {
            Text(text(Str.DETAIL_NOT_SET), style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        } else {
            Text(body, style = MaterialTheme.typography.bodyMedium)
        }
    }
}

@Composable
private fun LinkRow(
    label: String,
    url: String,
    onOpen: (String) -> Unit,
) {
    Row(
        Modifier.fillMaxWidth().heightIn(min = MinTouch).clickable(onClickLabel = label) { onOpen(url) },
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Column(Modifier.weight(1f)) {
            Text(label, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.primary)
            Text(
                url,
                style = MaterialTheme.typography.bodySmall,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
                maxLines = 1,
                overflow = TextOverflow.Ellipsis,
            )
        }
    }
}

internal fun humanSize(bytes: Long): String =
    when {
        bytes >= 1_048_576 -> "%.1f MB".format(bytes / 1_048_576.0)
        bytes >= 1024 -> "${bytes / 1024} KB"
        else -> "$bytes B"
    }

@Composable
private fun AttachmentRow(
    attachment: Attachment,
    actions: PocDetailActions,
) {
    val ready = attachment.state == AttachmentStates.READY
    Row(
        Modifier
            .fillMaxWidth()
            .heightIn(min = 56.dp)
            .testTag(PocTags.attachment(attachment.id))
            .clickable(enabled = ready, onClickLabel = text(Str.A11Y_OPEN_ATTACHMENT, attachment.filename)) { actions.onOpenAttachment(attachment.id) },
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Icon(DocumentIcon, contentDescription = null, tint = MaterialTheme.colorScheme.primary)
        Spacer(Modifier.width(12.dp))
        Column(Modifier.weight(1f)) {
            Text(attachment.filename, style = MaterialTheme.typography.bodyMedium, maxLines = 1, overflow = TextOverflow.Ellipsis)
            Text(
                if (ready) humanSize(attachment.size) else text(Str.DETAIL_PENDING),
                style = MaterialTheme.typography.bodySmall,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
            )
        }
        if (ready) TextButton(onClick = { actions.onOpenAttachment(attachment.id) }, modifier = Modifier.heightIn(min = MinTouch)) { Text(text(Str.OPEN)) }
    }
}

@Composable
private fun UploadRow(
    upload: UploadUiState,
    actions: PocDetailActions,
    strings: Strings,
) {
    val label =
        when (upload.phase) {
            UploadPhase.Done -> strings.format(Str.DETAIL_UPLOAD_DONE, upload.filename)
            UploadPhase.Failed -> strings.format(Str.DETAIL_UPLOAD_FAILED, upload.filename)
            else -> strings.format(Str.DETAIL_UPLOADING, upload.filename)
        }
    val percent = (upload.fraction * 100).toInt()
    Column(Modifier.fillMaxWidth().testTag("poc.upload.${upload.key}")) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            Icon(UploadIcon, contentDescription = null, tint = MaterialTheme.colorScheme.primary, modifier = Modifier.size(20.dp))
            Spacer(Modifier.width(8.dp))
            Text(label, style = MaterialTheme.typography.bodyMedium, modifier = Modifier.weight(1f), maxLines = 1, overflow = TextOverflow.Ellipsis)
            if (upload.phase == UploadPhase.Done || upload.phase == UploadPhase.Failed) {
                IconButton(onClick = { actions.onDismissUpload(upload.key) }, modifier = Modifier.size(MinTouch)) {
                    Icon(Icons.Filled.Close, contentDescription = text(Str.A11Y_DISMISS_UPLOAD))
                }
            } else {
                Text("$percent%", style = MaterialTheme.typography.labelMedium)
            }
        }
        if (upload.phase != UploadPhase.Done && upload.phase != UploadPhase.Failed) {
            LinearProgressIndicator(
                progress = { upload.fraction },
                modifier = Modifier.fillMaxWidth().padding(top = 4.dp).semantics { stateDescription = strings.format(Str.A11Y_JOB_PROGRESS, percent) },
            )
        }
        upload.error?.let { Text(strings.errorText(it), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodySmall) }
    }
}

class PocEditorActions(
    val onBack: () -> Unit = {},
    val onEdit: ((PocForm) -> PocForm) -> Unit = {},
    val onAddLanguage: (String) -> Unit = {},
    val onRemoveLanguage: (String) -> Unit = {},
    val onAddTag: (String) -> Unit = {},
    val onRemoveTag: (String) -> Unit = {},
    val onSave: () -> Unit = {},
)

/** Create or edit a POC; the server's field errors appear under the matching fields. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun PocEditorScreen(
    state: PocEditorUiState,
    actions: PocEditorActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    val form = state.form
    val errors = state.fieldErrors
    Scaffold(
        modifier = modifier,
        topBar = { PocdexTopBar(text(if (state.isNew) Str.EDITOR_NEW_TITLE else Str.EDITOR_EDIT_TITLE), onBack = actions.onBack) },
    ) { padding ->
        if (state.loading) {
            LoadingState(Modifier.padding(padding))
            return@Scaffold
        }
        Column(
            Modifier
                .padding(padding)
                .fillMaxSize()
                .verticalScroll(rememberScrollState())
                .padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(10.dp),
        ) {
            state.error?.let { Banner(BannerKind.ERROR, strings.errorText(it)) }
            errors[PocFields.FORM]?.let { Banner(BannerKind.ERROR, strings.fieldText(it) ?: "") }
            PocdexTextField(form.name, { v ->
                actions.onEdit {
                    it.copy(name = v)
                }
            }, text(Str.EDITOR_NAME), error = strings.fieldText(errors[PocFields.NAME]), tag = PocTags.field(PocFields.NAME))
            PocdexTextField(form.summary, { v ->
                actions.onEdit {
                    it.copy(summary = v)
                }
            }, text(Str.EDITOR_SUMMARY), error = strings.fieldText(errors[PocFields.SUMMARY]), tag = PocTags.field(PocFields.SUMMARY))
            Text(text(Str.EDITOR_STATUS), style = MaterialTheme.typography.labelLarge)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                PocStatuses.all.forEach { s ->
                    ToggleChip(strings.statusText(s), form.status == s, { actions.onEdit { it.copy(status = s) } }, tag = "editor.status.$s")
                }
            }
            errors[PocFields.STATUS]?.let {
                Text(
                    strings.fieldText(it) ?: "",
                    color = MaterialTheme.colorScheme.error,
                    style = MaterialTheme.typography.bodySmall,
                )
            }
            PocdexTextField(
                form.hypothesis,
                { v -> actions.onEdit { it.copy(hypothesis = v) } },
                text(Str.EDITOR_HYPOTHESIS),
                hint = text(Str.EDITOR_HYPOTHESIS_HINT),
                error = strings.fieldText(errors[PocFields.HYPOTHESIS]),
                tag = PocTags.field(PocFields.HYPOTHESIS),
                singleLine = false,
                minLines = 2,
            )
            Text(text(Str.EDITOR_OUTCOME), style = MaterialTheme.typography.labelLarge)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                PocOutcomes.all.forEach { o ->
                    ToggleChip(strings.outcomeText(o) ?: o, form.outcome == o, {
                        actions.onEdit {
                            it.copy(
                                outcome =
                                    if (it.outcome ==
                                        o
                                    ) {
                                        ""
                                    } else {
                                        o
                                    },
                            )
                        }
                    }, tag = "editor.outcome.$o")
                }
            }
            errors[PocFields.OUTCOME]?.let {
                Text(
                    strings.fieldText(it) ?: "",
                    color = MaterialTheme.colorScheme.error,
                    style = MaterialTheme.typography.bodySmall,
                )
            }
            PocdexTextField(
                form.learnings,
                { v -> actions.onEdit { it.copy(learnings = v) } },
                text(Str.EDITOR_LEARNINGS),
                error = strings.fieldText(errors[PocFields.LEARNINGS]),
                tag = PocTags.field(PocFields.LEARNINGS),
                singleLine = false,
                minLines = 2,
            )
            ChipInput(
                text(Str.EDITOR_LANGUAGES),
                text(Str.EDITOR_ADD_LANGUAGE),
                form.languages,
                actions.onAddLanguage,
                actions.onRemoveLanguage,
                strings.fieldText(errors[PocFields.LANGUAGES]),
                PocFields.LANGUAGES,
            )
            ChipInput(
                text(Str.EDITOR_TAGS),
                text(Str.EDITOR_ADD_TAG),
                form.tags,
                actions.onAddTag,
                actions.onRemoveTag,
                strings.fieldText(errors[PocFields.TAGS]),
                PocFields.TAGS,
            )
            PocdexTextField(
                form.repositoryUrl,
                { v -> actions.onEdit { it.copy(repositoryUrl = v) } },
                text(Str.EDITOR_REPOSITORY),
                error = strings.fieldText(errors[PocFields.REPOSITORY_URL]),
                tag = PocTags.field(PocFields.REPOSITORY_URL),
                keyboardType = androidx.compose.ui.text.input.KeyboardType.Uri,
            )
            // One under the other: with the clear button, two side by side leave too little room for the date.
            DateField(
                form.startedOn,
                { v -> actions.onEdit { it.copy(startedOn = v) } },
                text(Str.EDITOR_STARTED),
                error = strings.fieldText(errors[PocFields.STARTED_ON]),
                tag = PocTags.field(PocFields.STARTED_ON),
                optional = true,
            )
            DateField(
                form.finishedOn,
                { v -> actions.onEdit { it.copy(finishedOn = v) } },
                text(Str.EDITOR_FINISHED),
                error = strings.fieldText(errors[PocFields.FINISHED_ON]),
                tag = PocTags.field(PocFields.FINISHED_ON),
                optional = true,
            )
            PocdexTextField(
                form.description,
                { v -> actions.onEdit { it.copy(description = v) } },
                text(Str.EDITOR_DESCRIPTION),
                error = strings.fieldText(errors[PocFields.DESCRIPTION]),
                tag = PocTags.field(PocFields.DESCRIPTION),
                singleLine = false,
                minLines = 3,
            )
            Text(text(Str.EDITOR_VISIBILITY), style = MaterialTheme.typography.labelLarge)
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                ToggleChip(
                    text(Str.VISIBILITY_TEAM),
                    form.visibility == PocVisibilities.TEAM,
                    { actions.onEdit { it.copy(visibility = PocVisibilities.TEAM) } },
                )
                ToggleChip(
                    text(Str.VISIBILITY_PRIVATE),
                    form.visibility == PocVisibilities.PRIVATE,
                    { actions.onEdit { it.copy(visibility = PocVisibilities.PRIVATE) } },
                )
            }
            PrimaryButton(text(Str.EDITOR_SAVE), actions.onSave, loading = state.saving, tag = PocTags.SAVE)
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun ChipInput(
    label: String,
    placeholder: String,
    values: List<String>,
    onAdd: (String) -> Unit,
    onRemove: (String) -> Unit,
    error: String?,
    field: String,
) {
    var draft by rememberSaveable { mutableStateOf("") }
    Text(label, style = MaterialTheme.typography.labelLarge)
    if (values.isNotEmpty()) {
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            values.forEach { v ->
                InputChip(
                    selected = false,
                    onClick = { onRemove(v) },
                    label = { Text(v) },
                    trailingIcon = { Icon(Icons.Filled.Close, contentDescription = text(Str.A11Y_REMOVE_CHIP, v), modifier = Modifier.size(16.dp)) },
                )
            }
        }
    }
    Row(verticalAlignment = Alignment.CenterVertically) {
        PocdexTextField(
            draft,
            { draft = it },
            placeholder,
            Modifier.weight(1f),
            error = error,
            tag = PocTags.field(field),
            imeAction = androidx.compose.ui.text.input.ImeAction.Done,
            onImeAction = {
                if (draft.isNotBlank()) onAdd(draft.trim())
                draft = ""
            },
        )
        Spacer(Modifier.width(8.dp))
        TextButton(
            onClick = {
                if (draft.isNotBlank()) onAdd(draft.trim())
                draft = ""
            },
            modifier = Modifier.heightIn(min = MinTouch).testTag("${PocTags.field(field)}.add"),
        ) { Text(text(Str.EDITOR_ADD)) }
    }
}
