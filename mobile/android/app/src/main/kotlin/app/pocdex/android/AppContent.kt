package app.pocdex.android

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import app.pocdex.core.state.LoginStateHolder
import app.pocdex.ui.screens.LoginActions
import app.pocdex.ui.screens.LoginScreen
import kotlinx.coroutines.flow.MutableStateFlow

@Composable
fun PocdexAppContent(
    graph: AppGraph,
    launchRequests: MutableStateFlow<LaunchRequest?>,
    platform: PlatformActions,
) {
    val login = rememberHolder { scope -> LoginStateHolder(scope, graph.core.auth) }
    val state by login.state.collectAsStateWithLifecycle()
    LoginScreen(
        state = state,
        actions =
            LoginActions(
                onOrganizationChange = login::onOrganizationChange,
                onEmailChange = login::onEmailChange,
                onPasswordChange = login::onPasswordChange,
                onOtpChange = login::onOtpChange,
                onSubmit = login::submit,
                onBackToCredentials = login::backToCredentials,
            ),
    )
}
