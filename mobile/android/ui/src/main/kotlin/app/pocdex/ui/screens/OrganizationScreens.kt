package app.pocdex.ui.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Email
import androidx.compose.material.icons.filled.ExitToApp
import androidx.compose.material.icons.filled.KeyboardArrowRight
import androidx.compose.material.icons.filled.MoreVert
import androidx.compose.material.icons.filled.PlayArrow
import androidx.compose.material.icons.filled.Share
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import app.pocdex.core.model.Job
import app.pocdex.core.model.JobFile
import app.pocdex.core.model.JobKinds
import app.pocdex.core.model.JobStatuses
import app.pocdex.core.model.Locales
import app.pocdex.core.model.ReportFormats
import app.pocdex.core.model.VideoFormats
import app.pocdex.core.state.MemberRow
import app.pocdex.core.state.MembersUiState
import app.pocdex.core.state.ProfileUiState
import app.pocdex.core.state.ReportForm
import app.pocdex.core.state.ReportsUiState
import app.pocdex.core.state.TwoFactorState
import app.pocdex.core.state.VideoForm
import app.pocdex.ui.components.Avatar
import app.pocdex.ui.components.Banner
import app.pocdex.ui.components.BannerKind
import app.pocdex.ui.components.ChartIcon
import app.pocdex.ui.components.DateField
import app.pocdex.ui.components.DocumentIcon
import app.pocdex.ui.components.ErrorState
import app.pocdex.ui.components.GlobeIcon
import app.pocdex.ui.components.LoadingState
import app.pocdex.ui.components.MinTouch
import app.pocdex.ui.components.OfflineBanner
import app.pocdex.ui.components.PeopleIcon
import app.pocdex.ui.components.Pill
import app.pocdex.ui.components.PocdexTextField
import app.pocdex.ui.components.PocdexTopBar
import app.pocdex.ui.components.PrimaryButton
import app.pocdex.ui.components.RecoveryCodeList
import app.pocdex.ui.components.SecondaryButton
import app.pocdex.ui.components.SectionCard
import app.pocdex.ui.components.ShieldIcon
import app.pocdex.ui.components.ToggleChip
import app.pocdex.ui.components.TotpKey
import app.pocdex.ui.components.displayDateTime
import app.pocdex.ui.strings.LocalStrings
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.strings.errorText
import app.pocdex.ui.strings.fieldText
import app.pocdex.ui.strings.roleText
import app.pocdex.ui.strings.shortDate
import app.pocdex.ui.strings.text
import app.pocdex.ui.theme.PocdexTheme

object OrgTags {
    const val REPORT_FROM = "reports.from"
    const val REPORT_TO = "reports.to"
    const val REPORT_SUBMIT = "reports.request"
    const val VIDEO_YEAR = "reports.year"
    const val VIDEO_SUBMIT = "reports.requestVideo"
    const val INVITE_EMAIL = "members.inviteEmail"
    const val INVITE_SUBMIT = "members.invite"
    const val PROFILE_NAME = "profile.name"
    const val PROFILE_SAVE = "profile.save"
    const val TOTP_CODE = "profile.totpCode"
    const val LOGOUT = "profile.logout"

    fun job(id: String) = "reports.job.$id"

    fun open(
        id: String,
        format: String,
    ) = "reports.open.$id.$format"

    fun share(
        id: String,
        format: String,
    ) = "reports.share.$id.$format"

    fun member(id: String) = "members.row.$id"

    fun memberMenu(id: String) = "members.menu.$id"
}

class ReportsActions(
    val onRetry: () -> Unit = {},
    val onReportForm: ((ReportForm) -> ReportForm) -> Unit = {},
    val onToggleReportFormat: (String) -> Unit = {},
    val onRequestReport: () -> Unit = {},
    val onVideoForm: ((VideoForm) -> VideoForm) -> Unit = {},
    val onToggleExcluded: (String) -> Unit = {},
    val onRequestVideo: () -> Unit = {},
    val onOpen: (JobFile) -> Unit = {},
    val onShare: (JobFile) -> Unit = {},
)

/** Request a report (range, formats) and the year video (year, format, POCs left out); follow progress; open and share. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun ReportsScreen(
    state: ReportsUiState,
    actions: ReportsActions,
    modifier: Modifier = Modifier,
    canChooseOrganization: Boolean = false,
) {
    val strings = LocalStrings.current
    Scaffold(modifier = modifier, topBar = { PocdexTopBar(text(Str.REPORTS_TITLE)) }) { padding ->
        Column(
            Modifier
                .padding(padding)
                .fillMaxSize()
                .verticalScroll(rememberScrollState())
                .padding(horizontal = 16.dp, vertical = 8.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            if (state.offline) OfflineBanner(message = text(Str.ERR_NETWORK), onRetry = actions.onRetry)
            state.actionError?.let { Banner(BannerKind.ERROR, strings.errorText(it)) }
            Text(text(Str.REPORTS_HISTORY), style = MaterialTheme.typography.titleMedium)
            when {
                state.loading && state.jobs.isEmpty() -> {
                    Box(Modifier.fillMaxWidth().heightIn(min = 120.dp)) { LoadingState() }
                }

                state.error != null && !state.offline && state.jobs.isEmpty() -> {
                    Banner(
                        BannerKind.ERROR,
                        strings.errorText(state.error!!),
                        actionLabel = text(Str.RETRY),
                        onAction = actions.onRetry,
                    )
                }

                state.isEmpty -> {
                    Text(
                        text(Str.REPORTS_EMPTY),
                        style = MaterialTheme.typography.bodyMedium,
                        color = MaterialTheme.colorScheme.onSurfaceVariant,
                        modifier = Modifier.testTag("reports.empty"),
                    )
                }

                else -> {
                    state.jobs.forEach { JobCard(it, actions, strings) }
                }
            }
            SectionCard(text(Str.REPORTS_REPORT), icon = DocumentIcon) {
                Text(text(Str.REPORTS_REPORT_MESSAGE), style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    DateField(
                        state.reportForm.from,
                        { v -> actions.onReportForm { it.copy(from = v) } },
                        text(Str.REPORTS_FROM),
                        Modifier.weight(1f),
                        error = strings.fieldText(state.fieldErrors["from"]),
                        tag = OrgTags.REPORT_FROM,
                    )
                    DateField(
                        state.reportForm.to,
                        { v -> actions.onReportForm { it.copy(to = v) } },
                        text(Str.REPORTS_TO),
                        Modifier.weight(1f),
                        error = strings.fieldText(state.fieldErrors["to"]),
                        tag = OrgTags.REPORT_TO,
                    )
                }
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    ToggleChip(
                        "PDF",
                        ReportFormats.PDF in state.reportForm.formats,
                        { actions.onToggleReportFormat(ReportFormats.PDF) },
                        tag = "reports.format.pdf",
                    )
                    ToggleChip(
                        "CSV",
                        ReportFormats.CSV in state.reportForm.formats,
                        { actions.onToggleReportFormat(ReportFormats.CSV) },
                        tag = "reports.format.csv",
                    )
                    if (canChooseOrganization) {
                        ToggleChip(text(Str.REPORTS_SCOPE_ME), state.reportForm.scope == "me", { actions.onReportForm { it.copy(scope = "me") } })
                        ToggleChip(
                            text(Str.REPORTS_SCOPE_ORG),
                            state.reportForm.scope == "organization",
                            { actions.onReportForm { it.copy(scope = "organization") } },
                        )
                    }
                }
                state.fieldErrors["formats"]?.let {
                    Text(
                        strings.fieldText(it) ?: "",
                        color = MaterialTheme.colorScheme.error,
                        style = MaterialTheme.typography.bodySmall,
                    )
                }
                PrimaryButton(text(Str.REPORTS_REQUEST), actions.onRequestReport, loading = state.requestingReport, tag = OrgTags.REPORT_SUBMIT)
            }
            SectionCard(text(Str.REPORTS_VIDEO), icon = Icons.Filled.PlayArrow) {
                Text(text(Str.REPORTS_VIDEO_MESSAGE), style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
                PocdexTextField(
                    state.videoForm.year.toString(),
                    { v -> v.toIntOrNull()?.let { y -> actions.onVideoForm { it.copy(year = y) } } },
                    text(Str.REPORTS_YEAR),
                    error = strings.fieldText(state.fieldErrors["year"]),
                    tag = OrgTags.VIDEO_YEAR,
                    keyboardType = KeyboardType.Number,
                )
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    ToggleChip(text(Str.REPORTS_VERTICAL), state.videoForm.format == VideoFormats.VERTICAL, {
                        actions.onVideoForm { it.copy(format = VideoFormats.VERTICAL) }
                    }, tag = "reports.video.vertical")
                    ToggleChip(text(Str.REPORTS_SQUARE), state.videoForm.format == VideoFormats.SQUARE, {
                        actions.onVideoForm { it.copy(format = VideoFormats.SQUARE) }
                    }, tag = "reports.video.square")
                }
                if (state.excludablePocs.isNotEmpty()) {
                    Text(text(Str.REPORTS_EXCLUDE), style = MaterialTheme.typography.labelLarge)
                    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                        state.excludablePocs.forEach { poc ->
                            ToggleChip(poc.name, poc.id in state.videoForm.excluded, { actions.onToggleExcluded(poc.id) }, tag = "reports.exclude.${poc.id}")
                        }
                    }
                }
                PrimaryButton(text(Str.REPORTS_REQUEST_VIDEO), actions.onRequestVideo, loading = state.requestingVideo, tag = OrgTags.VIDEO_SUBMIT)
            }
            Spacer(Modifier.heightIn(min = 16.dp))
        }
    }
}

@Composable
private fun JobCard(
    job: Job,
    actions: ReportsActions,
    strings: Strings,
) {
    val colors = PocdexTheme.colors
    val video = job.kind == JobKinds.VIDEO
    val title = strings.format(if (video) Str.REPORTS_JOB_VIDEO else Str.REPORTS_JOB_REPORT, strings.displayDateTime(job.createdAt))
    androidx.compose.material3.OutlinedCard(Modifier.fillMaxWidth().testTag(OrgTags.job(job.id))) {
        Column(Modifier.padding(14.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Icon(if (video) Icons.Filled.PlayArrow else ChartIcon, contentDescription = null, tint = MaterialTheme.colorScheme.primary)
                Spacer(Modifier.width(10.dp))
                Text(title, style = MaterialTheme.typography.titleSmall, modifier = Modifier.weight(1f), maxLines = 2, overflow = TextOverflow.Ellipsis)
            }
            Row(verticalAlignment = Alignment.CenterVertically) {
                Spacer(Modifier.width(34.dp))
                when (job.status) {
                    JobStatuses.SUCCEEDED -> {
                        Pill(strings[Str.JOB_SUCCEEDED], container = colors.successContainer, content = colors.onSuccessContainer)
                    }

                    JobStatuses.FAILED -> {
                        Pill(
                            strings[Str.JOB_FAILED_SHORT],
                            container = MaterialTheme.colorScheme.errorContainer,
                            content = MaterialTheme.colorScheme.onErrorContainer,
                        )
                    }

                    JobStatuses.RUNNING -> {
                        Pill(strings.format(Str.JOB_RUNNING, job.progress))
                    }

                    else -> {
                        Pill(strings[Str.JOB_QUEUED])
                    }
                }
            }
            if (!job.isFinished) {
                val percent = job.progress.coerceIn(0, 100)
                LinearProgressIndicator(
                    progress = { percent / 100f },
                    modifier = Modifier.fillMaxWidth().semantics { stateDescription = strings.format(Str.A11Y_JOB_PROGRESS, percent) },
                )
            }
            if (job.status == JobStatuses.FAILED) {
                Text(
                    strings.format(Str.JOB_FAILED, job.error?.message?.ifBlank { null } ?: job.error?.code ?: ""),
                    color = MaterialTheme.colorScheme.error,
                    style = MaterialTheme.typography.bodySmall,
                )
            }
            job.files.forEach { file ->
                Row(verticalAlignment = Alignment.CenterVertically) {
                    Text(file.format.uppercase(), style = MaterialTheme.typography.labelLarge, modifier = Modifier.weight(1f))
                    TextButton(onClick = { actions.onOpen(file) }, modifier = Modifier.heightIn(min = MinTouch).testTag(OrgTags.open(job.id, file.format))) {
                        Text(text(if (video) Str.REPORTS_PLAY else Str.OPEN))
                    }
                    IconButton(onClick = { actions.onShare(file) }, modifier = Modifier.size(MinTouch).testTag(OrgTags.share(job.id, file.format))) {
                        Icon(Icons.Filled.Share, contentDescription = text(Str.SHARE))
                    }
                }
            }
        }
    }
}

class MembersActions(
    val onBack: () -> Unit = {},
    val onRetry: () -> Unit = {},
    val onInviteEmailChange: (String) -> Unit = {},
    val onInviteRoleChange: (String) -> Unit = {},
    val onInvite: () -> Unit = {},
    val onChangeRole: (String, String) -> Unit = { _, _ -> },
    val onRemove: (String) -> Unit = {},
)

/** Members and pending invitations; the management actions only where the platform's rules allow them. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun MembersScreen(
    state: MembersUiState,
    actions: MembersActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    var removing by rememberSaveable { mutableStateOf<String?>(null) }
    Scaffold(modifier = modifier, topBar = { PocdexTopBar(text(Str.MEMBERS_TITLE), onBack = actions.onBack) }) { padding ->
        Box(Modifier.padding(padding).fillMaxSize()) {
            when {
                state.loading && state.rows.isEmpty() -> {
                    LoadingState()
                }

                state.error != null && state.rows.isEmpty() -> {
                    if (state.offline) {
                        Column(Modifier.padding(16.dp)) { OfflineBanner(message = text(Str.OFFLINE_NOTHING), onRetry = actions.onRetry) }
                    } else {
                        ErrorState(strings.errorText(state.error!!), onRetry = actions.onRetry)
                    }
                }

                else -> {
                    Column(
                        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
                        verticalArrangement = Arrangement.spacedBy(12.dp),
                    ) {
                        state.actionError?.let { Banner(BannerKind.ERROR, strings.errorText(it)) }
                        if (state.canManage) {
                            SectionCard(text(Str.MEMBERS_INVITE), icon = Icons.Filled.Email) {
                                state.inviteSentTo?.let { Banner(BannerKind.SUCCESS, text(Str.MEMBERS_INVITE_SENT, it)) }
                                PocdexTextField(
                                    state.inviteEmail,
                                    actions.onInviteEmailChange,
                                    text(Str.MEMBERS_INVITE_EMAIL),
                                    error = strings.fieldText(state.fieldErrors["email"]),
                                    tag = OrgTags.INVITE_EMAIL,
                                    keyboardType = KeyboardType.Email,
                                )
                                Text(text(Str.MEMBERS_INVITE_ROLE), style = MaterialTheme.typography.labelLarge)
                                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                                    state.inviteRoles.forEach { r ->
                                        ToggleChip(strings.roleText(r), state.inviteRole == r, { actions.onInviteRoleChange(r) }, tag = "members.inviteRole.$r")
                                    }
                                }
                                PrimaryButton(text(Str.MEMBERS_INVITE_SEND), actions.onInvite, loading = state.inviting, tag = OrgTags.INVITE_SUBMIT)
                            }
                        } else {
                            Banner(BannerKind.INFO, text(Str.MEMBERS_READ_ONLY))
                        }
                        SectionCard(text(Str.MEMBERS_TITLE) + " (${state.rows.size})", icon = PeopleIcon) {
                            state.rows.forEachIndexed { i, row ->
                                if (i > 0) HorizontalDivider()
                                MemberRowItem(row, state.busyMemberId == row.member.id, actions, strings) { removing = row.member.id }
                            }
                        }
                        if (state.invitations.isNotEmpty()) {
                            SectionCard(text(Str.MEMBERS_PENDING), icon = Icons.Filled.Email) {
                                state.invitations.forEach { inv ->
                                    ListItem(
                                        headlineContent = { Text(inv.email) },
                                        supportingContent = {
                                            Text(strings.roleText(inv.role) + " · " + strings.format(Str.MEMBERS_EXPIRES, shortDate(inv.expiresAt)))
                                        },
                                    )
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    val target = state.rows.firstOrNull { it.member.id == removing }
    if (target != null) {
        AlertDialog(
            onDismissRequest = { removing = null },
            title = { Text(text(Str.MEMBERS_REMOVE)) },
            text = { Text(text(Str.MEMBERS_REMOVE_CONFIRM, target.member.user.name)) },
            confirmButton = {
                TextButton(
                    onClick = {
                        removing = null
                        actions.onRemove(target.member.id)
                    },
                    modifier = Modifier.testTag("members.remove.confirm"),
                ) { Text(text(Str.DELETE)) }
            },
            dismissButton = { TextButton(onClick = { removing = null }) { Text(text(Str.CANCEL)) } },
        )
    }
}

@Composable
private fun MemberRowItem(
    row: MemberRow,
    busy: Boolean,
    actions: MembersActions,
    strings: Strings,
    onAskRemove: () -> Unit,
) {
    var menu by rememberSaveable { mutableStateOf(false) }
    val m = row.member
    Row(
        Modifier.fillMaxWidth().heightIn(min = 64.dp).testTag(OrgTags.member(m.id)),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Avatar(m.user.name, size = 40.dp)
        Spacer(Modifier.width(12.dp))
        Column(Modifier.weight(1f)) {
            Text(
                m.user.name + if (row.isMe) " " + strings[Str.MEMBERS_YOU] else "",
                style = MaterialTheme.typography.bodyLarge,
                maxLines = 1,
                overflow = TextOverflow.Ellipsis,
            )
            Text(
                m.user.email,
                style = MaterialTheme.typography.bodySmall,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
                maxLines = 1,
                overflow = TextOverflow.Ellipsis,
            )
        }
        Pill(strings.roleText(m.role))
        if (busy) {
            Spacer(Modifier.width(8.dp))
            androidx.compose.material3.CircularProgressIndicator(Modifier.size(20.dp), strokeWidth = 2.dp)
        } else if (row.canChangeRole || row.canRemove) {
            Box {
                IconButton(onClick = { menu = true }, modifier = Modifier.size(MinTouch).testTag(OrgTags.memberMenu(m.id))) {
                    Icon(Icons.Filled.MoreVert, contentDescription = strings.format(Str.A11Y_MEMBER_ACTIONS, m.user.name))
                }
                DropdownMenu(expanded = menu, onDismissRequest = { menu = false }) {
                    if (row.canChangeRole) {
                        row.assignableRoles.filter { it != m.role }.forEach { r ->
                            DropdownMenuItem(
                                text = { Text(strings.format(Str.MEMBERS_MAKE, strings.roleText(r))) },
                                onClick = {
                                    menu = false
                                    actions.onChangeRole(m.id, r)
                                },
                                modifier = Modifier.testTag("members.role.${m.id}.$r"),
                            )
                        }
                    }
                    if (row.canRemove) {
                        DropdownMenuItem(
                            text = { Text(strings[Str.MEMBERS_REMOVE], color = MaterialTheme.colorScheme.error) },
                            onClick = {
                                menu = false
                                onAskRemove()
                            },
                            modifier = Modifier.testTag("members.remove.${m.id}"),
                        )
                    }
                }
            }
        }
    }
}

class ProfileActions(
    val onRetry: () -> Unit = {},
    val onNameChange: (String) -> Unit = {},
    val onLocaleChange: (String) -> Unit = {},
    val onSave: () -> Unit = {},
    val onResendVerification: () -> Unit = {},
    val onStartTwoFactor: () -> Unit = {},
    val onTotpCodeChange: (String) -> Unit = {},
    val onConfirmTwoFactor: () -> Unit = {},
    val onCancelTwoFactor: () -> Unit = {},
    val onAcknowledgeRecoveryCodes: () -> Unit = {},
    val onDisableTwoFactor: () -> Unit = {},
    val onOpenMembers: () -> Unit = {},
    val onLogout: () -> Unit = {},
)

/** Profile: name, language, email confirmation, two-factor setup, members, logout. */
@Composable
fun ProfileScreen(
    state: ProfileUiState,
    actions: ProfileActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    Scaffold(modifier = modifier, topBar = { PocdexTopBar(text(Str.PROFILE_TITLE)) }) { padding ->
        val me = state.me
        Box(Modifier.padding(padding).fillMaxSize()) {
            when {
                me == null && state.loading -> {
                    LoadingState()
                }

                me == null -> {
                    ErrorState(state.error?.let { strings.errorText(it) } ?: text(Str.ERR_UNKNOWN), onRetry = actions.onRetry)
                }

                else -> {
                    Column(
                        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
                        verticalArrangement = Arrangement.spacedBy(12.dp),
                    ) {
                        Row(verticalAlignment = Alignment.CenterVertically) {
                            Avatar(me.name, size = 64.dp)
                            Spacer(Modifier.width(16.dp))
                            Column {
                                Text(me.name, style = MaterialTheme.typography.titleLarge)
                                Text(me.email, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
                                Text(
                                    me.organization.name + " · " + strings.roleText(me.role),
                                    style = MaterialTheme.typography.labelMedium,
                                    color = MaterialTheme.colorScheme.primary,
                                )
                            }
                        }
                        if (state.offline) OfflineBanner(message = text(Str.ERR_NETWORK), onRetry = actions.onRetry)
                        state.error?.takeIf { !state.offline }?.let { Banner(BannerKind.ERROR, strings.errorText(it)) }
                        if (!me.emailVerified) {
                            Banner(
                                BannerKind.INFO,
                                text(if (state.verificationSent) Str.SIGNUP_VERIFY_RESENT else Str.PROFILE_EMAIL_UNVERIFIED),
                                actionLabel = if (state.verificationSent) null else text(Str.SIGNUP_VERIFY_RESEND),
                                onAction = actions.onResendVerification,
                            )
                        }
                        SectionCard(text(Str.PROFILE_TITLE), icon = GlobeIcon) {
                            if (state.saved) Banner(BannerKind.SUCCESS, text(Str.PROFILE_SAVED))
                            PocdexTextField(
                                state.name,
                                actions.onNameChange,
                                text(Str.PROFILE_NAME),
                                error = strings.fieldText(state.fieldErrors["name"]),
                                tag = OrgTags.PROFILE_NAME,
                            )
                            Text(text(Str.PROFILE_LANGUAGE), style = MaterialTheme.typography.labelLarge)
                            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                                ToggleChip("English", state.locale == Locales.EN, { actions.onLocaleChange(Locales.EN) }, tag = "profile.locale.en")
                                ToggleChip(
                                    "Português (Brasil)",
                                    state.locale == Locales.PT_BR,
                                    { actions.onLocaleChange(Locales.PT_BR) },
                                    tag = "profile.locale.pt",
                                )
                            }
                            PrimaryButton(text(Str.PROFILE_SAVE), actions.onSave, enabled = state.dirty, loading = state.saving, tag = OrgTags.PROFILE_SAVE)
                        }
                        TwoFactorCard(state.twoFactor, actions, strings)
                        SectionCard(text(Str.PROFILE_ORGANIZATION), icon = PeopleIcon) {
                            ListItem(
                                headlineContent = { Text(text(Str.PROFILE_MEMBERS)) },
                                trailingContent = { Icon(Icons.Filled.KeyboardArrowRight, contentDescription = null) },
                                modifier = Modifier.heightIn(min = MinTouch).testTag("profile.members").clickableRow(actions.onOpenMembers),
                            )
                        }
                        OutlinedButton(
                            onClick = actions.onLogout,
                            enabled = !state.loggingOut,
                            modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch).testTag(OrgTags.LOGOUT),
                        ) {
                            Icon(Icons.Filled.ExitToApp, contentDescription = null)
                            Spacer(Modifier.width(8.dp))
                            Text(text(Str.PROFILE_LOGOUT))
                        }
                    }
                }
            }
        }
    }
}

private fun Modifier.clickableRow(onClick: () -> Unit): Modifier = this.clickable(onClick = onClick)

@Composable
private fun TwoFactorCard(
    tf: TwoFactorState,
    actions: ProfileActions,
    strings: Strings,
) {
    SectionCard(text(Str.TWOFA_TITLE), icon = ShieldIcon) {
        when (tf) {
            TwoFactorState.Disabled, TwoFactorState.Starting -> {
                Text(text(Str.TWOFA_OFF), style = MaterialTheme.typography.bodyMedium)
                SecondaryButton(
                    text(Str.TWOFA_ENABLE),
                    actions.onStartTwoFactor,
                    enabled = tf == TwoFactorState.Disabled,
                    icon = ShieldIcon,
                    tag = "profile.totp.enable",
                )
            }

            is TwoFactorState.Setup -> {
                Text(text(Str.TWOFA_SCAN), style = MaterialTheme.typography.bodyMedium)
                TotpKey(tf.secret, tf.otpauthUri)
                PocdexTextField(
                    tf.code,
                    actions.onTotpCodeChange,
                    text(Str.TWOFA_CODE),
                    error =
                        tf.error?.let { e ->
                            if (e.kind ==
                                app.pocdex.core.state.ErrorKind.Validation
                            ) {
                                strings[Str.FIELD_REQUIRED]
                            } else {
                                strings.errorText(e)
                            }
                        },
                    tag = OrgTags.TOTP_CODE,
                    keyboardType = KeyboardType.Number,
                )
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    TextButton(onClick = actions.onCancelTwoFactor, modifier = Modifier.heightIn(min = MinTouch)) { Text(text(Str.CANCEL)) }
                    PrimaryButton(
                        text(Str.TWOFA_CONFIRM),
                        actions.onConfirmTwoFactor,
                        Modifier.weight(1f),
                        loading = tf.confirming,
                        tag = "profile.totp.confirm",
                    )
                }
            }

            is TwoFactorState.RecoveryCodes -> {
                Text(text(Str.TWOFA_RECOVERY), style = MaterialTheme.typography.bodyMedium)
                RecoveryCodeList(tf.codes, "profile.recovery")
                PrimaryButton(text(Str.CONTINUE), actions.onAcknowledgeRecoveryCodes, tag = "profile.recovery.done")
            }

            TwoFactorState.Enabled, TwoFactorState.Disabling -> {
                Text(text(Str.TWOFA_ON), style = MaterialTheme.typography.bodyMedium)
                SecondaryButton(text(Str.TWOFA_DISABLE), actions.onDisableTwoFactor, enabled = tf == TwoFactorState.Enabled, tag = "profile.totp.disable")
            }
        }
    }
}
