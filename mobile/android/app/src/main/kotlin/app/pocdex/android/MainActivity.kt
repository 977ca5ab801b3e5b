package app.pocdex.android

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import android.os.Bundle
import android.widget.Toast
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.result.contract.ActivityResultContracts
import androidx.appcompat.app.AppCompatActivity
import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.res.stringResource
import androidx.core.content.ContextCompat
import androidx.core.splashscreen.SplashScreen.Companion.installSplashScreen
import app.pocdex.android.media.VideoPlayerActivity
import app.pocdex.android.platform.AppLanguage
import app.pocdex.android.platform.ExternalIntents
import app.pocdex.core.auth.SessionState
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.theme.PocdexRoot
import kotlinx.coroutines.flow.MutableStateFlow

/**
 * The one activity: the splash screen until the stored session is read, edge-to-edge Compose
 * content from the ui module in the app's language and the system's dark mode, links and "ready"
 * notifications routed to their screens (singleTop: a link while running arrives in onNewIntent).
 * It extends AppCompatActivity for per-app languages below Android 13.
 */
class MainActivity :
    AppCompatActivity(),
    PlatformActions {
    private val graph: AppGraph get() = (application as PocdexApplication).graph

    /** The latest link or notification to act on; the content consumes it. */
    private val launchRequests = MutableStateFlow<LaunchRequest?>(null)

    private var showNotificationRationale by mutableStateOf(false)

    private val notificationPermission =
        registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
            // Refused: reports still work; the person sees progress in the app and gets the mail.
            if (granted) graph.push.onSignedIn()
        }

    override fun onCreate(savedInstanceState: Bundle?) {
        val splash = installSplashScreen()
        enableEdgeToEdge()
        super.onCreate(savedInstanceState)
        splash.setKeepOnScreenCondition { graph.session.state.value is SessionState.Unknown }
        if (savedInstanceState == null) launchRequests.value = LaunchRequest.from(intent)

        setContent {
            val strings = Strings.forTag(AppLanguage.current())
            PocdexRoot(strings = strings, darkTheme = isSystemInDarkTheme()) {
                PocdexAppContent(graph = graph, launchRequests = launchRequests, platform = this)
                if (showNotificationRationale) {
                    AlertDialog(
                        onDismissRequest = { showNotificationRationale = false },
                        title = { Text(stringResource(R.string.permission_notifications_title)) },
                        text = { Text(stringResource(R.string.permission_notifications_rationale)) },
                        confirmButton = {
                            TextButton(onClick = {
                                showNotificationRationale = false
                                notificationPermission.launch(Manifest.permission.POST_NOTIFICATIONS)
                            }) { Text(stringResource(R.string.permission_notifications_allow)) }
                        },
                        dismissButton = {
                            TextButton(onClick = { showNotificationRationale = false }) {
                                Text(stringResource(R.string.permission_notifications_not_now))
                            }
                        },
                    )
                }
            }
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        LaunchRequest.from(intent)?.let { launchRequests.value = it }
    }

    override fun openDocument(
        url: String,
        mimeType: String?,
    ) = ExternalIntents.openDocument(this, url, mimeType)

    override fun shareLink(
        url: String,
        subject: String,
    ) = ExternalIntents.shareLink(this, url, subject)

    override fun playVideo(url: String) = startActivity(VideoPlayerActivity.intent(this, url))

    override fun showEmailVerification(verified: Boolean) {
        val message = if (verified) R.string.email_verified else R.string.email_verification_failed
        Toast.makeText(this, message, Toast.LENGTH_LONG).show()
    }

    override fun requestNotificationPermission() {
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU) return
        val permission = Manifest.permission.POST_NOTIFICATIONS
        when {
            ContextCompat.checkSelfPermission(this, permission) == PackageManager.PERMISSION_GRANTED -> Unit
            shouldShowRequestPermissionRationale(permission) -> showNotificationRationale = true
            else -> notificationPermission.launch(permission)
        }
    }
}
