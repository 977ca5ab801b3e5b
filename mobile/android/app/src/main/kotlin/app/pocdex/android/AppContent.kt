package app.pocdex.android

import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.State
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalContext
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.navigation.NavBackStackEntry
import androidx.navigation.NavHostController
import androidx.navigation.compose.rememberNavController
import app.pocdex.android.platform.AppLanguage
import app.pocdex.android.platform.ExternalIntents
import app.pocdex.android.platform.PickedFile
import app.pocdex.core.auth.AccessClaims
import app.pocdex.core.auth.SessionState
import app.pocdex.core.dojo.LiveDojoStateHolder
import app.pocdex.core.dojo.ReplayStateHolder
import app.pocdex.core.dojo.replaySource
import app.pocdex.core.dojo.ticketUrlSource
import app.pocdex.core.network.ApiResult
import app.pocdex.core.state.AcceptInvitationStateHolder
import app.pocdex.core.state.DeepLink
import app.pocdex.core.state.DeletionState
import app.pocdex.core.state.DojoListStateHolder
import app.pocdex.core.state.DojoScheduleStateHolder
import app.pocdex.core.state.ForgotPasswordStateHolder
import app.pocdex.core.state.LoginStateHolder
import app.pocdex.core.state.MembersStateHolder
import app.pocdex.core.state.PocDetailStateHolder
import app.pocdex.core.state.PocEditorStateHolder
import app.pocdex.core.state.PocListStateHolder
import app.pocdex.core.state.ProfileStateHolder
import app.pocdex.core.state.ReportsStateHolder
import app.pocdex.core.state.SearchStateHolder
import app.pocdex.core.state.SignupStateHolder
import app.pocdex.ui.navigation.Destination
import app.pocdex.ui.navigation.PocdexAppScaffold
import app.pocdex.ui.navigation.Routes
import app.pocdex.ui.navigation.ScreenSlots
import app.pocdex.ui.navigation.TopLevel
import app.pocdex.ui.navigation.openTab
import app.pocdex.ui.screens.AcceptInvitationActions
import app.pocdex.ui.screens.AcceptInvitationScreen
import app.pocdex.ui.screens.DojoListActions
import app.pocdex.ui.screens.DojoListScreen
import app.pocdex.ui.screens.DojoScheduleActions
import app.pocdex.ui.screens.DojoScheduleScreen
import app.pocdex.ui.screens.ForgotPasswordActions
import app.pocdex.ui.screens.ForgotPasswordScreen
import app.pocdex.ui.screens.LiveDojoActions
import app.pocdex.ui.screens.LiveDojoScreen
import app.pocdex.ui.screens.LoginActions
import app.pocdex.ui.screens.LoginScreen
import app.pocdex.ui.screens.MembersActions
import app.pocdex.ui.screens.MembersScreen
import app.pocdex.ui.screens.PocDetailActions
import app.pocdex.ui.screens.PocDetailScreen
import app.pocdex.ui.screens.PocEditorActions
import app.pocdex.ui.screens.PocEditorScreen
import app.pocdex.ui.screens.PocListActions
import app.pocdex.ui.screens.PocListScreen
import app.pocdex.ui.screens.ProfileActions
import app.pocdex.ui.screens.ProfileScreen
import app.pocdex.ui.screens.ReplayActions
import app.pocdex.ui.screens.ReplayScreen
import app.pocdex.ui.screens.ReportsActions
import app.pocdex.ui.screens.ReportsScreen
import app.pocdex.ui.screens.SearchActions
import app.pocdex.ui.screens.SearchScreen
import app.pocdex.ui.screens.SignupActions
import app.pocdex.ui.screens.SignupScreen
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.launch

/** The destinations a person reaches without a session. */
private val signInRoutes = setOf(Routes.LOGIN, Routes.SIGNUP, Routes.FORGOT_PASSWORD, Routes.ACCEPT_INVITATION)

/** A flag a destination sets on the entry below it when it changed what that entry shows. */
private const val CHANGED = "pocdex.changed"

/**
 * The ui module's scaffold with every destination bound: each slot gets core's state holder for
 * its screen from [rememberHolder] (a ViewModel of the navigation entry) and turns the screen's
 * events into holder calls, navigation and [platform] actions. Session changes move between the
 * sign-in destinations and the app; links and notifications from [launchRequests] open theirs.
 */
@Composable
fun PocdexAppContent(
    graph: AppGraph,
    launchRequests: MutableStateFlow<LaunchRequest?>,
    platform: PlatformActions,
) {
    val session by graph.session.state.collectAsStateWithLifecycle()
    // The splash screen stays up while the stored session is read.
    if (session is SessionState.Unknown) return
    val nav = rememberNavController()
    val signedIn = session is SessionState.SignedIn
    val startDestination = remember { if (signedIn) Routes.POCS else Routes.LOGIN }
    val resetToken = rememberSaveable { mutableStateOf<String?>(null) }
    val sessionState = rememberUpdatedState(session)
    // Built once: a new ScreenSlots would give the NavHost a new graph. The slots read the session
    // and the reset token through their State objects.
    val slots = remember(graph, platform) { screenSlots(graph, platform, sessionState, resetToken) }

    LaunchedEffect(signedIn) {
        val route = nav.currentDestination?.route
        if (!signedIn && route != null && route !in signInRoutes) nav.goTo(Routes.LOGIN)
    }

    val request by launchRequests.collectAsStateWithLifecycle()
    LaunchedEffect(request, signedIn) {
        when (val current = request) {
            null -> {
                Unit
            }

            is LaunchRequest.Link -> {
                when (val link = current.link) {
                    is DeepLink.Invitation -> {
                        nav.navigate(Routes.invitation(link.token))
                    }

                    is DeepLink.ResetPassword -> {
                        resetToken.value = link.token
                        nav.navigate(Routes.FORGOT_PASSWORD)
                    }

                    is DeepLink.VerifyEmail -> {
                        val verified = graph.core.auth.verifyEmail(link.token) is ApiResult.Ok
                        platform.showEmailVerification(verified)
                        if (verified && signedIn) nav.openTab(TopLevel.PROFILE)
                    }
                }
            }

            // A "ready" notification opens the reports once someone is signed in.
            is LaunchRequest.Reports -> {
                if (signedIn) nav.openTab(TopLevel.REPORTS) else return@LaunchedEffect
            }
        }
        launchRequests.value = null
    }

    PocdexAppScaffold(
        navController = nav,
        slots = slots,
        startDestination = startDestination,
    )
}

/** Clears the back stack and opens [route] (after signing in or out). */
private fun NavHostController.goTo(route: String) =
    navigate(route) {
        popUpTo(graph.id) { inclusive = true }
        launchSingleTop = true
    }

private fun NavBackStackEntry?.markChanged() {
    this?.savedStateHandle?.set(CHANGED, true)
}

/** Runs [reload] when the destination above this one set [CHANGED] (a POC saved, a dojo scheduled). */
@Composable
private fun ReloadWhenChanged(
    entry: NavBackStackEntry,
    reload: () -> Unit,
) {
    val changed by entry.savedStateHandle.getStateFlow(CHANGED, false).collectAsStateWithLifecycle()
    LaunchedEffect(changed) {
        if (changed) {
            entry.savedStateHandle[CHANGED] = false
            reload()
        }
    }
}

private fun screenSlots(
    graph: AppGraph,
    platform: PlatformActions,
    session: State<SessionState>,
    resetToken: State<String?>,
): ScreenSlots {
    val core = graph.core
    return ScreenSlots(
        login = { d ->
            // Why the last session ended (revoked, expired, removed), shown above the form.
            val signedOutReason = (session.value as? SessionState.SignedOut)?.reason
            val holder = rememberHolder(signedOutReason?.name.orEmpty()) { LoginStateHolder(it, core.auth, signedOutReason) }
            val state by holder.state.collectAsStateWithLifecycle()
            LaunchedEffect(state.signedIn) { if (state.signedIn) d.navController.goTo(Routes.POCS) }
            LoginScreen(
                state = state,
                actions =
                    LoginActions(
                        onOrganizationChange = holder::onOrganizationChange,
                        onEmailChange = holder::onEmailChange,
                        onPasswordChange = holder::onPasswordChange,
                        onOtpChange = holder::onOtpChange,
                        onSubmit = holder::submit,
                        onBackToCredentials = holder::backToCredentials,
                        onForgotPassword = { d.navController.navigate(Routes.FORGOT_PASSWORD) },
                        onSignup = { d.navController.navigate(Routes.SIGNUP) },
                        onStartEnrollment = holder::startEnrollment,
                        onEnrollmentCodeChange = holder::onEnrollmentCodeChange,
                        onConfirmEnrollment = holder::confirmEnrollment,
                        onRecoveryCodesSaved = holder::acknowledgeRecoveryCodes,
                        onEnrollmentLogin = holder::submitEnrollmentLogin,
                    ),
            )
        },
        signup = { d ->
            val holder = rememberHolder { SignupStateHolder(it, core.auth, AppLanguage.current()) }
            val state by holder.state.collectAsStateWithLifecycle()
            SignupScreen(
                state = state,
                actions =
                    SignupActions(
                        onOrganizationNameChange = holder::onOrganizationNameChange,
                        onSlugChange = holder::onSlugChange,
                        onOwnerNameChange = holder::onOwnerNameChange,
                        onEmailChange = holder::onEmailChange,
                        onPasswordChange = holder::onPasswordChange,
                        onLocaleChange = holder::onLocaleChange,
                        onSubmit = holder::submit,
                        onCodeChange = holder::onVerificationCodeChange,
                        onSubmitCode = holder::submitVerificationCode,
                        onResendCode = holder::resendVerification,
                        onSkipVerification = holder::skipVerification,
                        onLogin = { d.navController.goTo(Routes.LOGIN) },
                        // Signed in by the signup, or not (the address had an account: a mail was sent).
                        onDone = { d.navController.goTo(if (session.value is SessionState.SignedIn) Routes.POCS else Routes.LOGIN) },
                    ),
            )
        },
        forgotPassword = { d ->
            val token = resetToken.value
            val holder = rememberHolder(token.orEmpty()) { ForgotPasswordStateHolder(it, core.auth, token) }
            val state by holder.state.collectAsStateWithLifecycle()
            ForgotPasswordScreen(
                state = state,
                actions =
                    ForgotPasswordActions(
                        onEmailChange = holder::onEmailChange,
                        onRequestMail = holder::requestMail,
                        onHaveCode = holder::haveCode,
                        onCodeChange = holder::onCodeChange,
                        onNewPasswordChange = holder::onNewPasswordChange,
                        onReset = holder::reset,
                        onBackToLogin = { d.navController.goTo(Routes.LOGIN) },
                    ),
            )
        },
        acceptInvitation = { d ->
            val token = d.argument("token").orEmpty()
            val holder = rememberHolder(token) { AcceptInvitationStateHolder(it, core.auth, token) }
            val state by holder.state.collectAsStateWithLifecycle()
            AcceptInvitationScreen(
                state = state,
                actions =
                    AcceptInvitationActions(
                        onNameChange = holder::onNameChange,
                        onPasswordChange = holder::onPasswordChange,
                        onOtpChange = holder::onOtpChange,
                        onAccept = holder::accept,
                        onContinue = { d.navController.goTo(if (session.value is SessionState.SignedIn) Routes.POCS else Routes.LOGIN) },
                    ),
            )
        },
        pocs = { d ->
            val holder = rememberHolder { PocListStateHolder(it, core.pocs) }
            val state by holder.state.collectAsStateWithLifecycle()
            ReloadWhenChanged(d.entry, holder::refresh)
            PocListScreen(
                state = state,
                actions =
                    PocListActions(
                        onRefresh = holder::refresh,
                        onRetry = holder::retry,
                        onLoadMore = holder::loadMore,
                        onOpen = { id -> d.navController.navigate(Routes.poc(id)) },
                        onCreate = { d.navController.navigate(Routes.POC_NEW) },
                    ),
            )
        },
        pocNew = { d -> PocEditorDestination(d, graph, pocId = null) },
        poc = { d -> PocDetailDestination(d, graph, platform) },
        pocEdit = { d -> PocEditorDestination(d, graph, pocId = d.argument("id")) },
        search = { d ->
            val holder = rememberHolder { SearchStateHolder(it, core.search) }
            val state by holder.state.collectAsStateWithLifecycle()
            SearchScreen(
                state = state,
                actions =
                    SearchActions(
                        onQueryChange = holder::onQueryChange,
                        onToggleFacet = holder::toggleFacet,
                        onClearFilters = holder::clearFilters,
                        onSelectSuggestion = holder::selectSuggestion,
                        onRetry = holder::retry,
                        onLoadMore = holder::loadMore,
                        onOpen = { id -> d.navController.navigate(Routes.poc(id)) },
                    ),
            )
        },
        dojos = { d ->
            val holder = rememberHolder { DojoListStateHolder(it, core.dojos) }
            val state by holder.state.collectAsStateWithLifecycle()
            ReloadWhenChanged(d.entry, holder::refresh)
            LaunchedEffect(state.started) {
                state.started?.let { dojo ->
                    holder.consumeStarted()
                    d.navController.navigate(Routes.dojoLive(dojo.id))
                }
            }
            DojoListScreen(
                state = state,
                actions =
                    DojoListActions(
                        onFilter = holder::setFilter,
                        onRetry = holder::refresh,
                        onJoin = { id -> d.navController.navigate(Routes.dojoLive(id)) },
                        onStart = holder::start,
                        onReplay = { id -> d.navController.navigate(Routes.dojoReplay(id)) },
                        onSchedule = { d.navController.navigate(Routes.DOJO_SCHEDULE) },
                    ),
            )
        },
        dojoSchedule = { d ->
            val holder = rememberHolder { DojoScheduleStateHolder(it, core.dojos) }
            val state by holder.state.collectAsStateWithLifecycle()
            LaunchedEffect(state.created) {
                if (state.created != null) {
                    d.navController.previousBackStackEntry.markChanged()
                    d.navController.popBackStack()
                }
            }
            DojoScheduleScreen(
                state = state,
                actions =
                    DojoScheduleActions(
                        onBack = { d.navController.popBackStack() },
                        onTitleChange = holder::onTitleChange,
                        onKataChange = holder::onKataChange,
                        onLanguageChange = holder::onLanguageChange,
                        onRotationChange = holder::onRotationChange,
                        onScheduledAtChange = holder::onScheduledAtChange,
                        onVisibilityChange = holder::onVisibilityChange,
                        onCopilotoMayEditChange = holder::onCopilotoMayEditChange,
                        onSubmit = holder::submit,
                    ),
            )
        },
        dojoLive = { d ->
            val id = d.argument("id").orEmpty()
            val holder =
                rememberHolder(id) { scope ->
                    LiveDojoStateHolder(
                        scope = scope,
                        dojoId = id,
                        gatewayUrl = graph.baseUrl,
                        ticketUrl = core.dojos.ticketUrlSource(id),
                        transport = graph.dojoTransport(),
                    )
                }
            val state by holder.uiState.collectAsStateWithLifecycle()
            val title by produceState("", id) {
                value = (core.dojos.get(id) as? ApiResult.Ok)?.value?.title.orEmpty()
            }
            LiveDojoScreen(
                state = state,
                title = title,
                actions =
                    LiveDojoActions(
                        onTextChange = holder::onTextChange,
                        onSelectionChange = holder::onSelectionChange,
                        onSendChat = holder::onSendChat,
                        onTestStatus = holder::onTestStatus,
                        onPass = holder::onPass,
                        onPause = holder::onPause,
                        onResumeTimer = holder::onResumeTimer,
                        onJoinQueue = holder::onJoinQueue,
                        onLeave = {
                            holder.onLeave()
                            d.navController.popBackStack()
                        },
                        onBack = { d.navController.popBackStack() },
                        onOpenReplay = {
                            d.navController.navigate(Routes.dojoReplay(id)) {
                                popUpTo(Routes.DOJO_LIVE) { inclusive = true }
                            }
                        },
                    ),
            )
        },
        dojoReplay = { d ->
            val id = d.argument("id").orEmpty()
            val holder = rememberHolder(id) { ReplayStateHolder(it, id, core.dojos.replaySource(id)) }
            val state by holder.uiState.collectAsStateWithLifecycle()
            ReplayScreen(
                state = state,
                actions =
                    ReplayActions(
                        onBack = { d.navController.popBackStack() },
                        onRetry = holder::load,
                        onPlay = holder::play,
                        onPause = holder::pause,
                        onStepForward = holder::stepForward,
                        onStepBack = holder::stepBack,
                        onSeek = holder::seekTo,
                    ),
            )
        },
        reports = {
            val holder = rememberHolder { ReportsStateHolder(it, core.media, core.pocs, language = AppLanguage::current) }
            val state by holder.state.collectAsStateWithLifecycle()
            ReportsScreen(
                state = state,
                actions =
                    ReportsActions(
                        onRetry = holder::refresh,
                        onReportForm = holder::updateReportForm,
                        onToggleReportFormat = holder::toggleReportFormat,
                        onRequestReport = {
                            platform.requestNotificationPermission()
                            holder.requestReport()
                        },
                        onVideoForm = holder::updateVideoForm,
                        onToggleExcluded = holder::toggleExcluded,
                        onRequestVideo = {
                            platform.requestNotificationPermission()
                            holder.requestVideo()
                        },
                        onOpen = { file ->
                            val type = file.contentType.ifBlank { null } ?: ExternalIntents.mimeTypeOf(file.format)
                            if (type?.startsWith("video/") == true) platform.playVideo(file.url) else platform.openDocument(file.url, type)
                        },
                        onShare = { file -> platform.shareLink(file.url, file.filename) },
                    ),
            )
        },
        profile = { d ->
            val holder =
                rememberHolder { scope ->
                    // The holder outlives the activity (which a new language recreates): the graph applies it.
                    ProfileStateHolder(scope, core.profile, core.auth, onLocaleSaved = graph::applyLanguage)
                }
            val state by holder.state.collectAsStateWithLifecycle()
            ProfileScreen(
                state = state,
                actions =
                    ProfileActions(
                        onRetry = holder::refresh,
                        onNameChange = holder::onNameChange,
                        onLocaleChange = holder::onLocaleChange,
                        onSave = holder::save,
                        onResendVerification = holder::resendVerification,
                        onStartTwoFactor = holder::startTwoFactor,
                        onTotpCodeChange = holder::onTotpCodeChange,
                        onConfirmTwoFactor = holder::confirmTwoFactor,
                        onCancelTwoFactor = holder::cancelTwoFactorSetup,
                        onAcknowledgeRecoveryCodes = holder::acknowledgeRecoveryCodes,
                        onDisableTwoFactor = holder::disableTwoFactor,
                        onOpenMembers = { d.navController.navigate(Routes.MEMBERS) },
                        onLogout = {
                            // The device goes first: deleting it needs the session's tokens.
                            graph.appScope.launch {
                                graph.push.onSigningOut()
                                holder.logout()
                            }
                        },
                    ),
            )
        },
        members = { d ->
            // The role rules need who is asking; signed out, the app is leaving for the login.
            (session.value as? SessionState.SignedIn)?.claims?.let { me -> MembersDestination(d, graph, me) }
        },
    )
}

@Composable
private fun MembersDestination(
    d: Destination,
    graph: AppGraph,
    me: AccessClaims,
) {
    val holder = rememberHolder(me.subject) { MembersStateHolder(it, graph.core.organization, me.subject, me.role) }
    val state by holder.state.collectAsStateWithLifecycle()
    MembersScreen(
        state = state,
        actions =
            MembersActions(
                onBack = { d.navController.popBackStack() },
                onRetry = holder::refresh,
                onInviteEmailChange = holder::onInviteEmailChange,
                onInviteRoleChange = holder::onInviteRoleChange,
                onInvite = holder::invite,
                onChangeRole = holder::changeRole,
                onRemove = holder::remove,
            ),
    )
}

@Composable
private fun PocEditorDestination(
    d: Destination,
    graph: AppGraph,
    pocId: String?,
) {
    val holder = rememberHolder(pocId.orEmpty()) { PocEditorStateHolder(it, graph.core.pocs, pocId) }
    val state by holder.state.collectAsStateWithLifecycle()
    LaunchedEffect(state.saved) {
        val saved = state.saved ?: return@LaunchedEffect
        d.navController.previousBackStackEntry.markChanged()
        if (pocId == null) {
            // A new POC opens in its detail, in place of the editor.
            d.navController.navigate(Routes.poc(saved.id)) { popUpTo(Routes.POC_NEW) { inclusive = true } }
        } else {
            d.navController.popBackStack()
        }
    }
    PocEditorScreen(
        state = state,
        actions =
            PocEditorActions(
                onBack = { d.navController.popBackStack() },
                onEdit = holder::edit,
                onAddLanguage = holder::addLanguage,
                onRemoveLanguage = holder::removeLanguage,
                onAddTag = holder::addTag,
                onRemoveTag = holder::removeTag,
                onSave = holder::save,
            ),
    )
}

@Composable
private fun PocDetailDestination(
    d: Destination,
    graph: AppGraph,
    platform: PlatformActions,
) {
    val id = d.argument("id").orEmpty()
    val holder = rememberHolder(id) { PocDetailStateHolder(it, id, graph.core.pocs, graph.core.attachments) }
    val state by holder.state.collectAsStateWithLifecycle()
    ReloadWhenChanged(d.entry, holder::refresh)
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val pick =
        rememberLauncherForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
            if (uri != null) {
                scope.launch {
                    val file = PickedFile.from(context.contentResolver, uri)
                    holder.upload(file.name, file.contentType, file.size, file.open)
                }
            }
        }
    var openingType by rememberSaveable { mutableStateOf<String?>(null) }
    LaunchedEffect(state.openUrl) {
        val url = state.openUrl ?: return@LaunchedEffect
        holder.consumeOpenUrl()
        platform.openDocument(url, openingType)
    }
    LaunchedEffect(state.deletion) {
        if (state.deletion == DeletionState.Deleted) {
            d.navController.previousBackStackEntry.markChanged()
            d.navController.popBackStack()
        }
    }
    PocDetailScreen(
        state = state,
        actions =
            PocDetailActions(
                onBack = { d.navController.popBackStack() },
                onRetry = holder::refresh,
                onEdit = { d.navController.navigate(Routes.pocEdit(id)) },
                onDelete = holder::delete,
                onUndoDelete = holder::undoDelete,
                onAttachFile = { pick.launch(arrayOf("*/*")) },
                onOpenAttachment = { attachmentId ->
                    openingType = state.attachments.firstOrNull { it.id == attachmentId }?.contentType
                    holder.openAttachment(attachmentId)
                },
                onDismissUpload = holder::dismissUpload,
                onOpenLink = { url -> platform.openDocument(url, null) },
            ),
    )
}
