package app.pocdex.ui

import androidx.compose.runtime.Composable
import app.pocdex.core.dojo.ConnectionState
import app.pocdex.core.dojo.DojoRole
import app.pocdex.core.model.OrganizationRef
import app.pocdex.core.network.FieldError
import app.pocdex.core.network.SignOutReason
import app.pocdex.core.state.AcceptInvitationUiState
import app.pocdex.core.state.DojoScheduleUiState
import app.pocdex.core.state.EnrollmentPhase
import app.pocdex.core.state.EnrollmentUiState
import app.pocdex.core.state.ForgotPasswordStep
import app.pocdex.core.state.ForgotPasswordUiState
import app.pocdex.core.state.LoginStep
import app.pocdex.core.state.LoginUiState
import app.pocdex.core.state.PocEditorUiState
import app.pocdex.core.state.PocForm
import app.pocdex.core.state.PocListUiState
import app.pocdex.core.state.SignupUiState
import app.pocdex.core.state.TwoFactorState
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
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.support.Phone
import app.pocdex.ui.support.Samples
import app.pocdex.ui.support.distinctColors
import app.pocdex.ui.support.renderPhone
import app.pocdex.ui.support.screenshotsDir
import app.pocdex.ui.support.writePng
import app.pocdex.ui.theme.PocdexRoot
import org.junit.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * Renders every screen at phone size in English, Portuguese (Brazil) and the dark theme to
 * PNGs under target/screenshots. With -Dpocdex.screens.publish=<dir> the main ones are also
 * copied there (the committed set in mobile/android/docs/screens).
 */
class ScreenshotsTest {
    private val screens: List<Pair<String, @Composable () -> Unit>> =
        listOf(
            "login" to {
                LoginScreen(LoginUiState(organization = "lab-agil", email = "ana@example.com", password = "uma-senha-longa"), LoginActions())
            },
            "login-revoked" to {
                LoginScreen(LoginUiState(organization = "lab-agil", email = "ana@example.com", signedOutReason = SignOutReason.SessionReused), LoginActions())
            },
            "login-totp" to { LoginScreen(LoginUiState(step = LoginStep.Otp, otp = "123"), LoginActions()) },
            "login-2fa-setup" to {
                LoginScreen(
                    LoginUiState(
                        step = LoginStep.Enrollment,
                        enrollment =
                            EnrollmentUiState(
                                EnrollmentPhase.Setup,
                                secret = "JBSWY3DPEHPK3PXP",
                                otpauthUri = "otpauth://totp/Pocdex:ana%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Pocdex",
                                code = "123",
                            ),
                    ),
                    LoginActions(),
                )
            },
            "login-2fa-recovery" to {
                LoginScreen(
                    LoginUiState(
                        step = LoginStep.Enrollment,
                        enrollment =
                            EnrollmentUiState(
                                EnrollmentPhase.RecoveryCodes,
                                recoveryCodes = listOf("a1b2c3-d4e5f6", "0a0b0c-1d1e1f", "9f8e7d-6c5b4a"),
                            ),
                    ),
                    LoginActions(),
                )
            },
            "signup" to {
                SignupScreen(
                    SignupUiState(
                        organizationName = "Laboratório Ágil",
                        organizationSlug = "lab-agil",
                        ownerName = "Ana Souza",
                        email = "ana@",
                        fieldErrors = mapOf("email" to FieldError("invalid_email", "")),
                    ),
                    SignupActions(),
                )
            },
            "forgot-password" to
                { ForgotPasswordScreen(ForgotPasswordUiState(email = "ana@example.com", step = ForgotPasswordStep.Code), ForgotPasswordActions()) },
            "accept-invitation" to { AcceptInvitationScreen(AcceptInvitationUiState(token = "t", name = "Bia Alves"), AcceptInvitationActions()) },
            "accept-invitation-done" to {
                AcceptInvitationScreen(
                    AcceptInvitationUiState(token = "t", organization = OrganizationRef("o", "lab", "Laboratório Ágil"), role = "member"),
                    AcceptInvitationActions(),
                )
            },
            "list" to { PocListScreen(Samples.pocList(), PocListActions()) },
            "list-offline" to { PocListScreen(Samples.pocList(offline = true), PocListActions()) },
            "list-empty" to { PocListScreen(PocListUiState(loading = false), PocListActions()) },
            "detail" to { PocDetailScreen(Samples.pocDetail(), PocDetailActions()) },
            "editor" to {
                PocEditorScreen(
                    PocEditorUiState(
                        form =
                            PocForm(
                                name = "Biometric login",
                                summary = "",
                                status = "in_progress",
                                languages = listOf("kotlin"),
                                tags = listOf("auth"),
                                repositoryUrl = "github.com/x",
                                startedOn = "2026-03-10",
                            ),
                        fieldErrors = mapOf("summary" to FieldError("required", ""), "repository_url" to FieldError("invalid", "Enter a valid URL.")),
                    ),
                    PocEditorActions(),
                )
            },
            "search" to { SearchScreen(Samples.search(), SearchActions()) },
            "dojos" to { DojoListScreen(Samples.dojoList().copy(filter = "upcoming"), DojoListActions()) },
            "dojo-schedule" to
                {
                    DojoScheduleScreen(
                        DojoScheduleUiState(title = "Roman numerals", kata = "Roman numerals", language = "Kotlin", scheduledAt = "2026-12-09T18:00:00Z"),
                        DojoScheduleActions(),
                        zone = java.time.ZoneId.of("America/Sao_Paulo"),
                    )
                },
            "live-dojo" to { LiveDojoScreen(Samples.liveDojo(), "Bowling kata", LiveDojoActions()) },
            "live-dojo-reconnecting" to {
                LiveDojoScreen(Samples.liveDojo(DojoRole.PLATEIA, ConnectionState.Reconnecting(2)), "Bowling kata", LiveDojoActions())
            },
            "replay" to { ReplayScreen(Samples.replay(), ReplayActions()) },
            "reports" to { ReportsScreen(Samples.reports(), ReportsActions()) },
            "members" to { MembersScreen(Samples.members(), MembersActions()) },
            "profile" to {
                ProfileScreen(Samples.profile().copy(twoFactor = TwoFactorState.Setup("JBSWY3DPEHPK3PXP", "otpauth://totp/x")), ProfileActions())
            },
        )

    private val main = setOf("list", "detail", "live-dojo", "login", "login-2fa-setup", "reports")

    @Test fun everyScreenRendersInBothLanguagesAndDarkAtPhoneSize() {
        val publish = System.getProperty("pocdex.screens.publish")?.takeIf { it.isNotBlank() }?.let { File(it).also(File::mkdirs) }
        val variants = listOf(Triple("en", Strings.English, false), Triple("pt-BR", Strings.PortugueseBrazil, false), Triple("en-dark", Strings.English, true))
        val written = mutableListOf<String>()
        for ((name, content) in screens) {
            for ((suffix, strings, dark) in variants) {
                val image = renderPhone { PocdexRoot(strings, dark) { content() } }
                assertEquals(Phone.WIDTH_PX, image.width, "$name-$suffix width")
                assertEquals(Phone.HEIGHT_PX, image.height, "$name-$suffix height")
                assertTrue(image.distinctColors() > 8, "$name-$suffix looks blank")
                val file = image.writePng("$name-$suffix")
                written += file.name
                if (publish != null && name in main) file.copyTo(File(publish, file.name), overwrite = true)
            }
        }
        assertEquals(screens.size * variants.size, screenshotsDir.listFiles { f -> f.name in written }!!.size)
    }
}
