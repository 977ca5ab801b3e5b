package app.pocdex.ui.screens

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import app.pocdex.core.model.JobFile
import app.pocdex.core.state.ErrorKind
import app.pocdex.core.state.TwoFactorState
import app.pocdex.core.state.UiError
import app.pocdex.ui.components.StateTags
import app.pocdex.ui.strings.Language
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.support.Samples
import app.pocdex.ui.support.bothLanguages
import app.pocdex.ui.support.invoke
import app.pocdex.ui.support.pickDay
import app.pocdex.ui.support.show
import org.junit.Rule
import org.junit.Test
import org.junit.runner.RunWith
import org.junit.runners.Parameterized
import kotlin.test.assertEquals

@RunWith(Parameterized::class)
class OrganizationScreensTest(
    private val s: Strings,
) {
    companion object {
        @JvmStatic
        @Parameterized.Parameters(name = "{0}")
        fun languages() = bothLanguages()
    }

    @get:Rule val rule = createComposeRule()

    @Test fun reportsRequestsFollowsProgressAndOpensFiles() {
        var state by mutableStateOf(Samples.reports())
        val events = mutableListOf<String>()
        val opened = mutableListOf<JobFile>()
        val shared = mutableListOf<JobFile>()
        rule.show(s) {
            ReportsScreen(
                state,
                ReportsActions(
                    onReportForm = { t -> state = state.copy(reportForm = t(state.reportForm)) },
                    onToggleReportFormat = { events += "format:$it" },
                    onRequestReport = { events += "report" },
                    onVideoForm = { t -> state = state.copy(videoForm = t(state.videoForm)) },
                    onToggleExcluded = { events += "exclude:$it" },
                    onRequestVideo = { events += "video" },
                    onOpen = { opened += it },
                    onShare = { shared += it },
                ),
            )
        }
        rule.onNodeWithText(if (s.language == Language.PT_BR) "01/01/2026" else "Jan 1, 2026").assertIsDisplayed()
        rule.onNodeWithTag(OrgTags.REPORT_FROM).performClick()
        rule.pickDay(15, 2026)
        rule.onNodeWithTag("${OrgTags.REPORT_FROM}.confirm").performClick()
        rule.onNodeWithText(if (s.language == Language.PT_BR) "15/01/2026" else "Jan 15, 2026").assertIsDisplayed()
        rule.onNodeWithTag("reports.format.csv").performClick()
        rule.onNodeWithTag(OrgTags.REPORT_SUBMIT).performClick()
        rule.onNodeWithTag("reports.video.square").performScrollTo().performClick()
        rule.onNodeWithTag("reports.exclude.p2").performScrollTo().performClick()
        rule.onNodeWithTag(OrgTags.VIDEO_SUBMIT).performScrollTo().performClick()
        assertEquals("2026-01-15", state.reportForm.from)
        assertEquals("2026-12-06", state.reportForm.to)
        assertEquals("square", state.videoForm.format)
        assertEquals(listOf("format:csv", "report", "exclude:p2", "video"), events)
        rule.onNodeWithText(s.format(Str.JOB_RUNNING, 62)).performScrollTo().assertIsDisplayed()
        rule.onNodeWithTag(OrgTags.open("j2", "pdf")).performScrollTo().performClick()
        rule.onNodeWithTag(OrgTags.share("j2", "csv")).performScrollTo().performClick()
        assertEquals(listOf("pdf"), opened.map { it.format })
        assertEquals(listOf("csv"), shared.map { it.format })
    }

    @Test fun reportsEmptyHistory() {
        rule.show(s) { ReportsScreen(Samples.reports().copy(jobs = emptyList()), ReportsActions()) }
        rule.onNodeWithText(s(Str.REPORTS_EMPTY)).performScrollTo().assertIsDisplayed()
    }

    @Test fun membersOwnerInvitesChangesRolesAndRemovesWithConfirmation() {
        var state by mutableStateOf(Samples.members("owner"))
        val events = mutableListOf<String>()
        rule.show(s) {
            MembersScreen(
                state,
                MembersActions(
                    onInviteEmailChange = { state = state.copy(inviteEmail = it) },
                    onInviteRoleChange = { events += "role:$it" },
                    onInvite = { events += "invite" },
                    onChangeRole = { id, r -> events += "change:$id:$r" },
                    onRemove = { events += "remove:$it" },
                ),
            )
        }
        rule.onNodeWithTag(OrgTags.INVITE_EMAIL).performTextInput("diego@example.com")
        rule.onNodeWithTag("members.inviteRole.admin").performClick()
        rule.onNodeWithTag(OrgTags.INVITE_SUBMIT).performClick()
        // The owner's own row has no actions; Carla (member) can be promoted or removed.
        rule.onNodeWithTag(OrgTags.memberMenu("1")).assertDoesNotExist()
        rule.onNodeWithTag(OrgTags.memberMenu("3")).performScrollTo().performClick()
        rule.onNodeWithTag("members.role.3.admin").performClick()
        rule.onNodeWithTag(OrgTags.memberMenu("3")).performClick()
        rule.onNodeWithTag("members.remove.3").performClick()
        rule.onNodeWithText(s.format(Str.MEMBERS_REMOVE_CONFIRM, "Carla Dias")).assertIsDisplayed()
        rule.onNodeWithTag("members.remove.confirm").performClick()
        assertEquals("diego@example.com", state.inviteEmail)
        assertEquals(listOf("role:admin", "invite", "change:3:admin", "remove:3"), events)
    }

    @Test fun membersPlainMemberSeesNoManagement() {
        rule.show(s) { MembersScreen(Samples.members("member"), MembersActions()) }
        rule.onNodeWithText(s(Str.MEMBERS_READ_ONLY)).assertIsDisplayed()
        rule.onNodeWithTag(OrgTags.INVITE_EMAIL).assertDoesNotExist()
        rule.onNodeWithTag(OrgTags.memberMenu("3")).assertDoesNotExist()
    }

    @Test fun membersErrorAndOffline() {
        var state by mutableStateOf(Samples.members().copy(rows = emptyList(), error = UiError(ErrorKind.Forbidden, "forbidden")))
        rule.show(s) { MembersScreen(state, MembersActions()) }
        rule.onNodeWithTag(StateTags.ERROR).assertIsDisplayed()
        state = state.copy(error = UiError(ErrorKind.Network, "network"))
        rule.onNodeWithTag(StateTags.OFFLINE).assertIsDisplayed()
    }

    @Test fun profileSavesLanguageSetsUpTwoFactorAndLogsOut() {
        var state by mutableStateOf(Samples.profile())
        val events = mutableListOf<String>()
        rule.show(s) {
            ProfileScreen(
                state,
                ProfileActions(
                    onLocaleChange = { state = state.copy(locale = it) },
                    onSave = { events += "save" },
                    onStartTwoFactor = { events += "2fa" },
                    onTotpCodeChange = { c -> (state.twoFactor as? TwoFactorState.Setup)?.let { state = state.copy(twoFactor = it.copy(code = c)) } },
                    onConfirmTwoFactor = { events += "confirm" },
                    onLogout = { events += "logout" },
                ),
            )
        }
        rule.onNodeWithTag(OrgTags.PROFILE_SAVE).assertIsNotEnabled()
        rule.onNodeWithTag("profile.locale.pt").performClick()
        assertEquals("pt-BR", state.locale)
        rule.onNodeWithTag(OrgTags.PROFILE_SAVE).performClick()
        rule.onNodeWithTag("profile.totp.enable").performScrollTo().performClick()
        state = state.copy(twoFactor = TwoFactorState.Setup("JBSWY3DPEHPK3PXP", "otpauth://totp/x"))
        rule.onNodeWithText(s.format(Str.TWOFA_SECRET, "JBSW Y3DP EHPK 3PXP")).performScrollTo().assertIsDisplayed()
        rule.onNodeWithTag(OrgTags.TOTP_CODE).performTextInput("123456")
        rule.onNodeWithTag("profile.totp.confirm").performScrollTo().performClick()
        state = state.copy(twoFactor = TwoFactorState.RecoveryCodes(listOf("abcd-efgh", "ijkl-mnop")))
        rule.onNodeWithTag("profile.recovery.abcd-efgh").performScrollTo().assertIsDisplayed()
        rule.onNodeWithTag(OrgTags.LOGOUT).performScrollTo().performClick()
        assertEquals(listOf("save", "2fa", "confirm", "logout"), events)
    }
}
