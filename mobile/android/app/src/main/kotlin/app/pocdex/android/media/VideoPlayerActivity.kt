package app.pocdex.android.media

import android.content.Context
import android.content.Intent
import android.os.Bundle
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.appcompat.app.AppCompatActivity
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.Share
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import app.pocdex.android.R
import app.pocdex.android.platform.ExternalIntents
import app.pocdex.ui.theme.PocdexTheme

/** Plays the year video full screen, with close and share (the link, through the share sheet). */
class VideoPlayerActivity : AppCompatActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        enableEdgeToEdge()
        super.onCreate(savedInstanceState)
        val url = intent.getStringExtra(EXTRA_URL)
        if (url.isNullOrBlank()) {
            finish()
            return
        }
        setContent {
            // The player's chrome is dark whatever the system theme: video is watched on black.
            PocdexTheme(darkTheme = true) {
                PlayerScreen(
                    url = url,
                    onClose = ::finish,
                    onShare = { ExternalIntents.shareLink(this, url, getString(R.string.player_title)) },
                )
            }
        }
    }

    companion object {
        private const val EXTRA_URL = "url"

        fun intent(
            context: Context,
            url: String,
        ): Intent = Intent(context, VideoPlayerActivity::class.java).putExtra(EXTRA_URL, url)
    }
}

@androidx.compose.runtime.Composable
private fun PlayerScreen(
    url: String,
    onClose: () -> Unit,
    onShare: () -> Unit,
) {
    var attempt by rememberSaveable { mutableIntStateOf(0) }
    var failed by rememberSaveable { mutableStateOf(false) }
    Column(Modifier.fillMaxSize().background(Color.Black).safeDrawingPadding()) {
        Row(
            Modifier.fillMaxWidth().padding(horizontal = 4.dp),
            verticalAlignment = Alignment.CenterVertically,
        ) {
            IconButton(onClick = onClose) {
                Icon(Icons.Filled.Close, contentDescription = stringResource(R.string.player_close), tint = Color.White)
            }
            Text(
                stringResource(R.string.player_title),
                color = Color.White,
                style = MaterialTheme.typography.titleMedium,
                modifier = Modifier.weight(1f).semantics { heading() },
            )
            IconButton(onClick = onShare) {
                Icon(Icons.Filled.Share, contentDescription = stringResource(R.string.player_share), tint = Color.White)
            }
        }
        Box(Modifier.fillMaxWidth().weight(1f), contentAlignment = Alignment.Center) {
            if (failed) {
                Column(
                    Modifier.padding(24.dp),
                    horizontalAlignment = Alignment.CenterHorizontally,
                    verticalArrangement = Arrangement.spacedBy(16.dp),
                ) {
                    Text(
                        stringResource(R.string.player_error),
                        color = Color.White,
                        textAlign = TextAlign.Center,
                    )
                    Button(onClick = {
                        failed = false
                        attempt++
                    }) { Text(stringResource(R.string.player_retry)) }
                }
            } else {
                VideoPlayer(
                    url = url,
                    attempt = attempt,
                    onError = { failed = true },
                    modifier = Modifier.fillMaxSize(),
                )
            }
        }
    }
}
