package app.pocdex.ui

import androidx.compose.runtime.Composable
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.junit4.v2.createComposeRule
import app.pocdex.core.state.DojoScheduleUiState
import app.pocdex.core.state.EnrollmentPhase
import app.pocdex.core.state.EnrollmentUiState
import app.pocdex.core.state.LoginStep
import app.pocdex.core.state.LoginUiState
import app.pocdex.core.state.PocEditorUiState
import app.pocdex.core.state.PocForm
import app.pocdex.ui.screens.DojoListActions
import app.pocdex.ui.screens.DojoListScreen
import app.pocdex.ui.screens.DojoScheduleActions
import app.pocdex.ui.screens.DojoScheduleScreen
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
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.support.Samples
import app.pocdex.ui.support.show
import org.junit.Rule
import org.junit.Test
import org.junit.runner.RunWith
import org.junit.runners.Parameterized
import kotlin.test.assertTrue

/**
 * Every control on screen is at least 48 x 48 dp and says what it does (a text or a content
 * description TalkBack can read), on each main screen.
 */
@RunWith(Parameterized::class)
class AccessibilityTest(
    private val name: String,
    private val content: @Composable () -> Unit,
) {
    companion object {
        @JvmStatic
        @Parameterized.Parameters(name = "{0}")
        fun screens(): List<Array<Any>> =
            listOf<Pair<String, @Composable () -> Unit>>(
                "login" to { LoginScreen(LoginUiState(organization = "lab", email = "a@b.co", password = "x"), LoginActions()) },
                "login-2fa-required" to {
                    LoginScreen(LoginUiState(step = LoginStep.Enrollment, enrollment = EnrollmentUiState(reason = "Required here.")), LoginActions())
                },
                "login-2fa-setup" to {
                    LoginScreen(
                        LoginUiState(
                            step = LoginStep.Enrollment,
                            enrollment = EnrollmentUiState(EnrollmentPhase.Setup, secret = "JBSWY3DPEHPK3PXP", otpauthUri = "otpauth://totp/x", code = "12"),
                        ),
                        LoginActions(),
                    )
                },
                "login-2fa-recovery" to {
                    LoginScreen(
                        LoginUiState(
                            step = LoginStep.Enrollment,
                            enrollment = EnrollmentUiState(EnrollmentPhase.RecoveryCodes, recoveryCodes = listOf("a1b2c3-d4e5f6")),
                        ),
                        LoginActions(),
                    )
                },
                "login-2fa-login" to {
                    LoginScreen(LoginUiState(step = LoginStep.Enrollment, enrollment = EnrollmentUiState(EnrollmentPhase.Login, code = "1")), LoginActions())
                },
                "list" to { PocListScreen(Samples.pocList(), PocListActions()) },
                "detail" to { PocDetailScreen(Samples.pocDetail(), PocDetailActions()) },
                "editor" to {
                    PocEditorScreen(
                        PocEditorUiState(form = PocForm(name = "Passkeys", startedOn = "2026-03-10", finishedOn = "2026-03-31")),
                        PocEditorActions(),
                    )
                },
                "search" to { SearchScreen(Samples.search(), SearchActions()) },
                "dojos" to { DojoListScreen(Samples.dojoList(), DojoListActions()) },
                "dojo-schedule" to {
                    DojoScheduleScreen(
                        DojoScheduleUiState(title = "Roman numerals", scheduledAt = "2026-12-09T18:00:00Z"),
                        DojoScheduleActions(),
                        zone = java.time.ZoneId.of("America/Sao_Paulo"),
                    )
                },
                "live-dojo" to { LiveDojoScreen(Samples.liveDojo(), "Bowling kata", LiveDojoActions()) },
                "replay" to { ReplayScreen(Samples.replay(), ReplayActions()) },
                "reports" to { ReportsScreen(Samples.reports(), ReportsActions()) },
                "members" to { MembersScreen(Samples.members(), MembersActions()) },
                "profile" to { ProfileScreen(Samples.profile(), ProfileActions()) },
            ).map { arrayOf(it.first, it.second) }
    }

    @get:Rule val rule = createComposeRule()

    @Test fun controlsAreLargeEnoughAndLabelled() {
        rule.show(Strings.PortugueseBrazil) { content() }
        val density = rule.density
        val minPx = with(density) { 47.5f * this.density }
        val nodes = rule.onAllNodes(hasClickAction()).fetchSemanticsNodes()
        assertTrue(nodes.isNotEmpty(), "$name has no controls")
        val small =
            // Size as laid out (the visible bounds are clipped at the window's edge). Material filter
            // chips keep their 32 dp body and get a 48 dp touch area from the framework on a phone
            // (minimumInteractiveComponentSize), which desktop Compose does not lay out: chips are
            // checked for width only.
            nodes.filter { n ->
                val chip = n.config.getOrNull(SemanticsProperties.Selected) != null
                n.boundsInRoot.width > 0 && (n.size.width < minPx || (!chip && n.size.height < minPx))
            }
        val unlabelled =
            nodes.filter { n ->
                val texts =
                    n.config
                        .getOrNull(SemanticsProperties.Text)
                        .orEmpty()
                        .joinToString { it.text }
                val descriptions =
                    n.config
                        .getOrNull(SemanticsProperties.ContentDescription)
                        .orEmpty()
                        .joinToString()
                val editable =
                    n.config
                        .getOrNull(SemanticsProperties.EditableText)
                        ?.text
                        .orEmpty()
                texts.isBlank() && descriptions.isBlank() && editable.isBlank()
            }

        fun describe(list: List<androidx.compose.ui.semantics.SemanticsNode>) =
            list.joinToString { n ->
                val w = with(density) { n.size.width.toDp() }
                val h = with(density) { n.size.height.toDp() }
                "${n.config.getOrNull(SemanticsProperties.TestTag) ?: n.config.getOrNull(SemanticsProperties.Text)} ($w x $h)"
            }
        assertTrue(small.isEmpty(), "$name: controls under 48 dp: ${describe(small)}")
        assertTrue(unlabelled.isEmpty(), "$name: controls without a label: ${describe(unlabelled)}")
    }
}
