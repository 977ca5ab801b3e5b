package app.pocdex.ui.components

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Info
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.text
import app.pocdex.ui.theme.PocdexTheme

/** Test tags shared by every screen, so tests can assert which state is on screen. */
object StateTags {
    const val LOADING = "state.loading"
    const val EMPTY = "state.empty"
    const val ERROR = "state.error"
    const val OFFLINE = "banner.offline"
    const val ERROR_BANNER = "banner.error"
    const val INFO_BANNER = "banner.info"
}

/** A centered spinner with a label read by TalkBack. */
@Composable
fun LoadingState(
    modifier: Modifier = Modifier,
    label: String = text(Str.LOADING),
) {
    Box(
        modifier
            .fillMaxSize()
            .testTag(StateTags.LOADING)
            .semantics { contentDescription = label },
        contentAlignment = Alignment.Center,
    ) {
        Column(horizontalAlignment = Alignment.CenterHorizontally) {
            CircularProgressIndicator()
            Spacer(Modifier.height(16.dp))
            Text(label, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
    }
}

/** A large icon in a tinted circle, a title, a message and an optional action. */
@Composable
fun EmptyState(
    icon: ImageVector,
    title: String,
    message: String,
    modifier: Modifier = Modifier,
    actionLabel: String? = null,
    onAction: (() -> Unit)? = null,
) {
    CenteredMessage(
        icon = icon,
        iconTint = MaterialTheme.colorScheme.primary,
        iconBackground = MaterialTheme.colorScheme.primaryContainer,
        title = title,
        message = message,
        actionLabel = actionLabel,
        onAction = onAction,
        modifier = modifier.testTag(StateTags.EMPTY),
    )
}

/** A whole-screen error (nothing to show) with a retry button. */
@Composable
fun ErrorState(
    message: String,
    modifier: Modifier = Modifier,
    title: String = text(Str.ERROR_TITLE),
    onRetry: (() -> Unit)? = null,
) {
    CenteredMessage(
        icon = Icons.Filled.Warning,
        iconTint = MaterialTheme.colorScheme.error,
        iconBackground = MaterialTheme.colorScheme.errorContainer,
        title = title,
        message = message,
        actionLabel = if (onRetry != null) text(Str.RETRY) else null,
        onAction = onRetry,
        modifier = modifier.testTag(StateTags.ERROR),
    )
}

@Composable
private fun CenteredMessage(
    icon: ImageVector,
    iconTint: Color,
    iconBackground: Color,
    title: String,
    message: String,
    actionLabel: String?,
    onAction: (() -> Unit)?,
    modifier: Modifier,
) {
    Box(modifier.fillMaxSize().padding(32.dp), contentAlignment = Alignment.Center) {
        Column(horizontalAlignment = Alignment.CenterHorizontally) {
            Box(
                Modifier.size(96.dp).background(iconBackground, CircleShape),
                contentAlignment = Alignment.Center,
            ) {
                Icon(icon, contentDescription = null, tint = iconTint, modifier = Modifier.size(44.dp))
            }
            Spacer(Modifier.height(24.dp))
            Text(title, style = MaterialTheme.typography.titleLarge, textAlign = TextAlign.Center)
            Spacer(Modifier.height(8.dp))
            Text(
                message,
                style = MaterialTheme.typography.bodyMedium,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
                textAlign = TextAlign.Center,
            )
            if (actionLabel != null && onAction != null) {
                Spacer(Modifier.height(24.dp))
                Button(onClick = onAction, modifier = Modifier.heightIn(min = 48.dp)) { Text(actionLabel) }
            }
        }
    }
}

enum class BannerKind { ERROR, OFFLINE, INFO, SUCCESS }

/**
 * A full-width message above the content (the content stays usable): an error that did not
 * replace the screen, the offline marker, a notice. Announced politely by TalkBack.
 */
@Composable
fun Banner(
    kind: BannerKind,
    message: String,
    modifier: Modifier = Modifier,
    actionLabel: String? = null,
    onAction: (() -> Unit)? = null,
) {
    val colors = PocdexTheme.colors
    val (container, content) =
        when (kind) {
            BannerKind.ERROR -> MaterialTheme.colorScheme.errorContainer to MaterialTheme.colorScheme.onErrorContainer
            BannerKind.OFFLINE -> colors.warningContainer to colors.onWarningContainer
            BannerKind.INFO -> MaterialTheme.colorScheme.secondaryContainer to MaterialTheme.colorScheme.onSecondaryContainer
            BannerKind.SUCCESS -> colors.successContainer to colors.onSuccessContainer
        }
    val icon =
        when (kind) {
            BannerKind.ERROR -> Icons.Filled.Warning
            BannerKind.OFFLINE -> OfflineIcon
            BannerKind.INFO, BannerKind.SUCCESS -> Icons.Filled.Info
        }
    val tag =
        when (kind) {
            BannerKind.ERROR -> StateTags.ERROR_BANNER
            BannerKind.OFFLINE -> StateTags.OFFLINE
            else -> StateTags.INFO_BANNER
        }
    Surface(
        color = container,
        contentColor = content,
        shape = MaterialTheme.shapes.medium,
        modifier =
            modifier
                .fillMaxWidth()
                .testTag(tag)
                .semantics { liveRegion = LiveRegionMode.Polite },
    ) {
        Row(
            Modifier.padding(start = 16.dp, end = 8.dp, top = 10.dp, bottom = 10.dp).heightIn(min = 28.dp),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.Start,
        ) {
            Icon(icon, contentDescription = null, modifier = Modifier.size(20.dp))
            Spacer(Modifier.width(12.dp))
            Text(message, style = MaterialTheme.typography.bodyMedium, modifier = Modifier.weight(1f))
            if (actionLabel != null && onAction != null) {
                TextButton(onClick = onAction, modifier = Modifier.heightIn(min = 48.dp)) {
                    Text(actionLabel, color = content)
                }
            }
        }
    }
}

/** The "you are offline, showing saved data" marker used by every list and detail. */
@Composable
fun OfflineBanner(
    modifier: Modifier = Modifier,
    message: String = text(Str.OFFLINE_SAVED),
    onRetry: (() -> Unit)? = null,
) {
    Banner(BannerKind.OFFLINE, message, modifier, if (onRetry != null) text(Str.RETRY) else null, onRetry)
}
