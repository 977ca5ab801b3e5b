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
import androidx.compose.ui.test.performScrollToIndex
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTextReplacement
import app.pocdex.core.dojo.ConnectionState
import app.pocdex.core.dojo.DojoNotice
import app.pocdex.core.dojo.DojoRole
import app.pocdex.core.dojo.EndReason
import app.pocdex.core.dojo.ReplayUiState
import app.pocdex.core.dojo.TestStatus
import app.pocdex.core.network.FieldError
import app.pocdex.core.state.DojoFields
import app.pocdex.core.state.DojoListUiState
import app.pocdex.core.state.DojoScheduleUiState
import app.pocdex.ui.components.StateTags
import app.pocdex.ui.strings.Language
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.support.Samples
import app.pocdex.ui.support.bothLanguages
import app.pocdex.ui.support.clockNumber
import app.pocdex.ui.support.clockSelector
import app.pocdex.ui.support.invoke
import app.pocdex.ui.support.pickDay
import app.pocdex.ui.support.show
import org.junit.Rule
import org.junit.Test
import org.junit.runner.RunWith
import org.junit.runners.Parameterized
import java.time.ZoneId
import kotlin.test.assertEquals
import kotlin.test.assertTrue

@RunWith(Parameterized::class)
class DojoScreensTest(
    private val s: Strings,
) {
    companion object {
        @JvmStatic
        @Parameterized.Parameters(name = "{0}")
        fun languages() = bothLanguages()
    }

    @get:Rule val rule = createComposeRule()

    @Test fun dojoListJoinsStartsReplaysAndFilters() {
        val events = mutableListOf<String>()
        var state by mutableStateOf(Samples.dojoList())
        rule.show(s) {
            DojoListScreen(
                state,
                DojoListActions(
                    onFilter = { events += "filter:$it" },
                    onJoin = { events += "join:$it" },
                    onStart = { events += "start:$it" },
                    onReplay = { events += "replay:$it" },
                    onSchedule = { events += "schedule" },
                ),
            )
        }
        rule.onNodeWithTag(DojoTags.join("d1")).performClick()
        rule.onNodeWithTag(DojoTags.start("d2")).performClick()
        // The last card sits under the floating button until the list is scrolled.
        rule.onNodeWithTag(DojoTags.LIST).performScrollToIndex(2)
        rule.onNodeWithTag(DojoTags.replay("d3")).performClick()
        rule.onNodeWithTag(DojoTags.tab("past")).performClick()
        rule.onNodeWithTag(DojoTags.SCHEDULE).performClick()
        assertEquals(listOf("join:d1", "start:d2", "replay:d3", "filter:past", "schedule"), events)
        state = DojoListUiState(loading = false)
        rule.onNodeWithTag(StateTags.EMPTY).assertIsDisplayed()
        rule.onNodeWithText(s(Str.DOJOS_EMPTY_TITLE)).assertIsDisplayed()
    }

    @Test fun scheduleFormShowsFieldErrorsAndAdjustsTheRotation() {
        var state by mutableStateOf(DojoScheduleUiState(fieldErrors = mapOf(DojoFields.SCHEDULED_AT to FieldError("invalid", "Pick a time in the future."))))
        var submitted = 0
        rule.show(s) {
            DojoScheduleScreen(
                state,
                DojoScheduleActions(
                    onTitleChange = { state = state.copy(title = it) },
                    onRotationChange = { state = state.copy(rotationMinutes = it) },
                    onCopilotoMayEditChange = { state = state.copy(copilotoMayEdit = it) },
                    onSubmit = { submitted++ },
                ),
            )
        }
        rule.onNodeWithText("Pick a time in the future.").assertIsDisplayed()
        rule.onNodeWithTag(DojoTags.field(DojoFields.TITLE)).performTextInput("Roman numerals")
        rule.onNodeWithTag("schedule.rotation.plus").performClick()
        rule.onNodeWithText(s(Str.SCHEDULE_COPILOT_EDITS)).performClick()
        rule.onNodeWithTag(DojoTags.SCHEDULE_SUBMIT).performClick()
        assertEquals("Roman numerals", state.title)
        assertEquals(8, state.rotationMinutes)
        assertTrue(state.copilotoMayEdit)
        assertEquals(1, submitted)
    }

    @Test fun scheduleFormPicksDateAndTimeInTheLocalZoneAndSendsAnInstant() {
        var state by mutableStateOf(DojoScheduleUiState(scheduledAt = "2026-12-09T18:00:00Z"))
        val sent = mutableListOf<String>()
        rule.show(s) {
            DojoScheduleScreen(
                state,
                DojoScheduleActions(onScheduledAtChange = {
                    sent += it
                    state = state.copy(scheduledAt = it)
                }),
                zone = ZoneId.of("America/Sao_Paulo"),
            )
        }
        val pt = s.language == Language.PT_BR
        val field = DojoTags.field(DojoFields.SCHEDULED_AT)
        // 18:00 UTC is 15:00 in Sao Paulo (UTC-3).
        rule.onNodeWithText(if (pt) "09/12/2026" else "Dec 9, 2026").assertIsDisplayed()
        rule.onNodeWithText(if (pt) "15:00" else "3:00 PM").assertIsDisplayed()
        rule.onNodeWithText(s.format(Str.SCHEDULE_TIME_ZONE, "America/Sao_Paulo")).assertIsDisplayed()
        rule.onNodeWithTag(field).performClick()
        rule.pickDay(14, 2026)
        rule.onNodeWithTag("$field.confirm").performClick()
        assertEquals(listOf("2026-12-14T18:00:00Z"), sent)
        rule.onNodeWithText(if (pt) "14/12/2026" else "Dec 14, 2026").assertIsDisplayed()
        rule.onNodeWithTag("$field.time").performClick()
        rule.onNode(clockNumber(if (pt) 21 else 9)).performClick()
        rule.onNode(clockSelector("00")).performClick()
        rule.onNode(clockNumber(30)).performClick()
        rule.onNodeWithTag("$field.time.confirm").performClick()
        // 21:30 in Sao Paulo on the 14th is 00:30 UTC on the 15th.
        assertEquals(listOf("2026-12-14T18:00:00Z", "2026-12-15T00:30:00Z"), sent)
        rule.onNodeWithText(if (pt) "21:30" else "9:30 PM").assertIsDisplayed()
    }

    @Test fun liveDojoPilotEditsAnnouncesGreenPassesAndChats() {
        var state by mutableStateOf(Samples.liveDojo())
        val texts = mutableListOf<String>()
        val statuses = mutableListOf<TestStatus>()
        val chat = mutableListOf<String>()
        var passes = 0
        var pauses = 0
        rule.show(s) {
            LiveDojoScreen(
                state,
                "Bowling kata",
                LiveDojoActions(
                    onTextChange = {
                        texts += it
                        state = state.copy(document = it)
                    },
                    onTestStatus = { statuses += it },
                    onPass = { passes++ },
                    onPause = { pauses++ },
                    onSendChat = { chat += it },
                ),
            )
        }
        rule.onNodeWithText("03:03").assertIsDisplayed()
        rule.onNodeWithText(s(Str.LIVE_TESTS_GREEN)).assertIsDisplayed()
        rule.onNodeWithTag(LiveTags.cursor("u2"), useUnmergedTree = true).assertIsDisplayed()
        rule.onNodeWithTag(LiveTags.EDITOR).performTextReplacement("def score(rolls):\n    return 0\n")
        assertEquals("def score(rolls):\n    return 0\n", texts.last())
        rule.onNodeWithTag(LiveTags.RED).performClick()
        rule.onNodeWithTag(LiveTags.GREEN).performClick()
        rule.onNodeWithTag(LiveTags.PASS).performClick()
        rule.onNodeWithTag(LiveTags.PAUSE).performClick()
        assertEquals(listOf(TestStatus.RED, TestStatus.GREEN), statuses)
        assertEquals(1, passes)
        assertEquals(1, pauses)
        rule.onNodeWithTag(LiveTags.CHAT_TAB).performClick()
        rule.onNodeWithText("Strike first, then spare?").assertIsDisplayed()
        rule.onNodeWithTag(LiveTags.CHAT_INPUT).performTextInput("Next: the spare")
        rule.onNodeWithTag(LiveTags.CHAT_SEND).performClick()
        assertEquals(listOf("Next: the spare"), chat)
        state = state.copy(notice = DojoNotice("nobody_to_pass_to", "", 1))
        rule.onNodeWithText(s(Str.NOTICE_NOBODY_TO_PASS)).assertIsDisplayed()
    }

    @Test fun liveDojoAudienceIsReadOnlyJoinsTheQueueAndSeesTheConnection() {
        var state by mutableStateOf(Samples.liveDojo(DojoRole.PLATEIA, ConnectionState.Reconnecting(3)))
        val queue = mutableListOf<Boolean>()
        var replay = 0
        rule.show(s) { LiveDojoScreen(state, "Bowling kata", LiveDojoActions(onJoinQueue = { queue += it }, onOpenReplay = { replay++ })) }
        rule.onNodeWithText(s.format(Str.LIVE_RECONNECTING, 3)).assertIsDisplayed()
        rule.onNodeWithTag(LiveTags.RED).assertDoesNotExist()
        rule.onNodeWithTag(LiveTags.PEOPLE_TAB).performClick()
        rule.onNodeWithTag(LiveTags.participant("u2")).assertIsDisplayed()
        rule.onNodeWithText(s(Str.ROLE_COPILOTO)).assertIsDisplayed()
        state = state.copy(connection = ConnectionState.Live)
        // Carla (u3, me) is first in the queue: the button leaves it.
        rule.onNodeWithText(s(Str.LIVE_LEAVE_QUEUE)).performClick()
        assertEquals(listOf(false), queue)
        state = state.copy(connection = ConnectionState.Ended(EndReason.DOJO_ENDED))
        rule.onNodeWithText(s(Str.LIVE_ENDED_DOJO)).assertIsDisplayed()
        rule.onNodeWithText(s(Str.LIVE_OPEN_REPLAY)).performClick()
        assertEquals(1, replay)
        state = state.copy(connection = ConnectionState.Ended(EndReason.ACCESS_REMOVED))
        rule.onNodeWithText(s(Str.LIVE_ENDED_ACCESS)).assertIsDisplayed()
    }

    @Test fun replaySteps() {
        var state by mutableStateOf(Samples.replay())
        val events = mutableListOf<String>()
        rule.show(s) {
            ReplayScreen(
                state,
                ReplayActions(
                    onStepBack = { events += "back" },
                    onStepForward = { events += "forward" },
                    onPlay = { events += "play" },
                ),
            )
        }
        rule.onNodeWithText(s.format(Str.REPLAY_POSITION, 64, 120)).assertIsDisplayed()
        rule.onNodeWithText(s.format(Str.EVENT_TEST_GREEN, "Carla Dias")).assertIsDisplayed()
        rule.onNodeWithTag(ReplayTags.PREVIOUS).performClick()
        rule.onNodeWithTag(ReplayTags.NEXT).performClick()
        rule.onNodeWithTag(ReplayTags.PLAY).performClick()
        assertEquals(listOf("back", "forward", "play"), events)
        state = state.copy(position = 120)
        rule.onNodeWithTag(ReplayTags.NEXT).assertIsNotEnabled()
        state = ReplayUiState("d3", loading = false, totalEvents = 0)
        rule.onNodeWithText(s(Str.REPLAY_EMPTY)).assertIsDisplayed()
        state = ReplayUiState("d3", loading = false, error = "not_found")
        rule.onNodeWithTag(StateTags.ERROR).assertIsDisplayed()
    }
}
