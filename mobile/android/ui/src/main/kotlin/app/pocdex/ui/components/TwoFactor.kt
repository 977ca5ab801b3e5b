package app.pocdex.ui.components

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalUriHandler
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.unit.dp
import app.pocdex.ui.strings.LocalStrings
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.text

/** Test tags of the two-factor pieces the profile and the login's enrollment share. */
object TwoFactorTags {
    const val SECRET = "twoFactor.secret"
    const val LINK = "twoFactor.link"
    const val OPEN_APP = "twoFactor.openApp"
    const val NO_APP = "twoFactor.noApp"
}

/**
 * The TOTP key to add to an authenticator app: the secret in groups of four, selectable (a long
 * press copies it) and spelled out character by character for TalkBack. With [otpauthUri], the
 * `otpauth://` link too, selectable, and a button that hands it to the authenticator app on this
 * phone (a QR code cannot be scanned by the phone that shows it); when no app takes the link, a
 * line says to type the key instead.
 */
@Composable
fun TotpKey(
    secret: String,
    otpauthUri: String?,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    val uriHandler = LocalUriHandler.current
    var noApp by remember(otpauthUri) { mutableStateOf(false) }
    val spelled = strings.format(Str.TWOFA_SECRET_A11Y, secret.toList().joinToString(" "))
    Column(modifier.fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        SelectionContainer {
            Text(
                strings.format(Str.TWOFA_SECRET, secret.chunked(4).joinToString(" ")),
                fontFamily = FontFamily.Monospace,
                style = MaterialTheme.typography.bodyLarge,
                modifier = Modifier.testTag(TwoFactorTags.SECRET).semantics { contentDescription = spelled },
            )
        }
        if (!otpauthUri.isNullOrBlank()) {
            SelectionContainer {
                Text(
                    strings.format(Str.TWOFA_LINK, otpauthUri),
                    style = MaterialTheme.typography.bodySmall,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                    modifier = Modifier.testTag(TwoFactorTags.LINK),
                )
            }
            SecondaryButton(
                text(Str.TWOFA_OPEN_APP),
                // Android throws when no installed app handles otpauth:// (ActivityNotFoundException).
                { noApp = runCatching { uriHandler.openUri(otpauthUri) }.isFailure },
                Modifier.fillMaxWidth(),
                icon = LinkIcon,
                tag = TwoFactorTags.OPEN_APP,
            )
            if (noApp) {
                Text(
                    text(Str.TWOFA_NO_APP),
                    style = MaterialTheme.typography.bodyMedium,
                    color = MaterialTheme.colorScheme.error,
                    modifier = Modifier.testTag(TwoFactorTags.NO_APP),
                )
            }
        }
    }
}

/** Recovery codes, shown once: monospace and selectable, each tagged "[tagPrefix].<code>". */
@Composable
fun RecoveryCodeList(
    codes: List<String>,
    tagPrefix: String,
    modifier: Modifier = Modifier,
) {
    SelectionContainer(modifier) {
        Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
            codes.forEach { code ->
                Text(code, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.testTag("$tagPrefix.$code"))
            }
        }
    }
}
