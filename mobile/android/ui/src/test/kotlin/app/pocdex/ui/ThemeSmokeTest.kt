package app.pocdex.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.unit.dp
import app.pocdex.ui.support.Phone
import app.pocdex.ui.support.distinctColors
import app.pocdex.ui.support.renderPhone
import app.pocdex.ui.support.writePng
import app.pocdex.ui.theme.PocdexTheme
import org.junit.Rule
import org.junit.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class ThemeSmokeTest {
    @get:Rule val rule = createComposeRule()

    @Composable
    private fun Sample(onClick: () -> Unit) {
        Surface(Modifier.fillMaxSize()) {
            Column(Modifier.padding(24.dp)) {
                Text("Pocdex", style = MaterialTheme.typography.headlineMedium)
                Button(onClick = onClick) { Text("Continue") }
            }
        }
    }

    @Test fun clickReachesTheLambda() {
        var clicks = 0
        rule.setContent { PocdexTheme { Sample { clicks++ } } }
        rule.onNodeWithText("Continue").performClick()
        rule.onNodeWithText("Continue").performClick()
        assertEquals(2, clicks)
    }

    @Test fun rendersAPhoneSizedNonBlankPng() {
        val image = renderPhone { PocdexTheme(darkTheme = true) { Sample {} } }
        val file = image.writePng("theme-smoke-dark")
        assertEquals(Phone.WIDTH_PX, image.width)
        assertEquals(Phone.HEIGHT_PX, image.height)
        assertTrue(image.distinctColors() > 2, "the screenshot is blank")
        assertTrue(file.length() > 1000)
    }
}
