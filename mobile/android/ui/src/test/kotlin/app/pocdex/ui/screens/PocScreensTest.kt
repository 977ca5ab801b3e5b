package app.pocdex.ui.screens

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performScrollToNode
import androidx.compose.ui.test.performTextInput
import app.pocdex.core.network.FieldError
import app.pocdex.core.state.DeletionState
import app.pocdex.core.state.ErrorKind
import app.pocdex.core.state.PocEditorUiState
import app.pocdex.core.state.PocFields
import app.pocdex.core.state.PocForm
import app.pocdex.core.state.PocListUiState
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
import kotlin.test.assertTrue

@RunWith(Parameterized::class)
class PocScreensTest(
    private val s: Strings,
) {
    companion object {
        @JvmStatic
        @Parameterized.Parameters(name = "{0}")
        fun languages() = bothLanguages()
    }

    @get:Rule val rule = createComposeRule()

    @Test fun listShowsItemsOpensOneAndPagesAtTheEnd() {
        val opened = mutableListOf<String>()
        var pages = 0
        rule.show(s) { PocListScreen(Samples.pocList(), PocListActions(onOpen = { opened += it }, onLoadMore = { pages++ })) }
        rule.onNodeWithText("Biometric login on Android").assertIsDisplayed()
        rule.onNodeWithTag(PocTags.item("p2")).performClick()
        assertEquals(listOf("p2"), opened)
        rule.onNodeWithTag(PocTags.LIST).performScrollToNode(hasText(s(Str.LOAD_MORE)))
        rule.waitForIdle()
        assertTrue(pages >= 1, "reaching the end asks for the next page")
        rule.onNodeWithTag(PocTags.LOAD_MORE).performClick()
        assertTrue(pages >= 2)
    }

    @Test fun listStates() {
        var state by mutableStateOf(PocListUiState(loading = true))
        var retried = 0
        var created = 0
        rule.show(s) { PocListScreen(state, PocListActions(onRetry = { retried++ }, onCreate = { created++ })) }
        rule.onNodeWithTag(StateTags.LOADING).assertIsDisplayed()
        state = PocListUiState(loading = false)
        rule.onNodeWithTag(StateTags.EMPTY).assertIsDisplayed()
        rule.onNodeWithText(s(Str.POCS_EMPTY_TITLE)).assertIsDisplayed()
        rule.onNodeWithTag(PocTags.NEW).performClick()
        assertEquals(1, created)
        state = PocListUiState(loading = false, error = UiError(ErrorKind.Server, "internal_error"))
        rule.onNodeWithTag(StateTags.ERROR).assertIsDisplayed()
        rule.onNodeWithText(s(Str.ERR_SERVER)).assertIsDisplayed()
        rule.onNodeWithText(s(Str.RETRY)).performClick()
        assertEquals(1, retried)
        state = Samples.pocList(offline = true)
        rule.onNodeWithTag(StateTags.OFFLINE).assertIsDisplayed()
        rule.onNodeWithText("Rust parser for CSV exports").assertIsDisplayed()
    }

    @Test fun detailShowsTheSectionsUploadsAndDeletesWithUndo() {
        var state by mutableStateOf(Samples.pocDetail())
        var deleted = 0
        var undone = 0
        val opened = mutableListOf<String>()
        rule.show(s) {
            PocDetailScreen(
                state,
                PocDetailActions(onDelete = { deleted++ }, onUndoDelete = { undone++ }, onOpenAttachment = { opened += it }),
            )
        }
        rule.onNodeWithText(s(Str.DETAIL_HYPOTHESIS)).assertIsDisplayed()
        rule.onNodeWithText(Samples.pocs[0].learnings).performScrollTo().assertIsDisplayed()
        rule.onNodeWithText(s.format(Str.DETAIL_UPLOADING, "demo-video.mp4")).performScrollTo().assertIsDisplayed()
        rule.onNodeWithText("65%").assertIsDisplayed()
        rule.onNodeWithTag(PocTags.attachment("a1")).performScrollTo().performClick()
        assertEquals(listOf("a1"), opened)
        rule.onNodeWithTag(PocTags.DELETE).performClick()
        rule.onNodeWithText(s(Str.DETAIL_DELETE_CONFIRM_TITLE)).assertIsDisplayed()
        rule.onNodeWithTag(PocTags.DELETE_CONFIRM).performClick()
        assertEquals(1, deleted)
        state = state.copy(deletion = DeletionState.Undoable(untilMillis = Long.MAX_VALUE))
        rule.onNodeWithText(s(Str.DETAIL_DELETED)).assertIsDisplayed()
        rule.onNodeWithText(s(Str.UNDO)).performClick()
        rule.waitForIdle()
        assertEquals(1, undone)
    }

    @Test fun detailOfflineHidesEditingAndMarksTheData() {
        rule.show(s) { PocDetailScreen(Samples.pocDetail().copy(offline = true, savedAtMillis = 1_796_000_000_000), PocDetailActions()) }
        rule.onNodeWithTag(StateTags.OFFLINE).assertIsDisplayed()
        rule.onNodeWithTag(PocTags.DELETE).assertDoesNotExist()
        rule.onNodeWithTag(PocTags.EDIT).assertDoesNotExist()
    }

    @Test fun editorPutsServerErrorsOnTheirFieldsAndSendsEdits() {
        var state by mutableStateOf(
            PocEditorUiState(
                form = PocForm(startedOn = "2026-03-10", finishedOn = "2026-03-31"),
                fieldErrors =
                    mapOf(
                        PocFields.NAME to FieldError("unique", "A POC with this name exists."),
                        PocFields.REPOSITORY_URL to FieldError("invalid", "Enter a valid URL."),
                    ),
            ),
        )
        var saved = 0
        val tags = mutableListOf<String>()
        rule.show(s) {
            PocEditorScreen(
                state,
                PocEditorActions(onEdit = { t -> state = state.copy(form = t(state.form)) }, onAddTag = { tags += it }, onSave = { saved++ }),
            )
        }
        rule.onNodeWithTag("${PocTags.field(PocFields.NAME)}.error", useUnmergedTree = true).assertIsDisplayed()
        rule.onNodeWithText("A POC with this name exists.").assertIsDisplayed()
        rule.onNodeWithText("Enter a valid URL.").performScrollTo().assertIsDisplayed()
        rule.onNodeWithTag(PocTags.field(PocFields.NAME)).performTextInput("Passkeys")
        rule.onNodeWithTag("editor.status.done").performScrollTo().performClick()
        rule.onNodeWithTag(PocTags.field(PocFields.TAGS)).performScrollTo().performTextInput("auth")
        rule.onNodeWithTag("${PocTags.field(PocFields.TAGS)}.add").performClick()
        // Dates: shown in the person's format, chosen in the date picker, sent as ISO dates.
        val started = PocTags.field(PocFields.STARTED_ON)
        rule.onNodeWithText(if (s.language == Language.PT_BR) "10/03/2026" else "Mar 10, 2026").performScrollTo().assertIsDisplayed()
        rule.onNodeWithTag(started).performScrollTo().performClick()
        rule.pickDay(21, 2026)
        rule.onNodeWithTag("$started.confirm").performClick()
        assertEquals("2026-03-21", state.form.startedOn)
        rule.onNodeWithText(if (s.language == Language.PT_BR) "21/03/2026" else "Mar 21, 2026").assertIsDisplayed()
        rule.onNodeWithTag(started).performClick()
        rule.pickDay(2, 2026)
        rule.onNodeWithTag("$started.cancel").performClick()
        assertEquals("2026-03-21", state.form.startedOn, "cancel keeps the date")
        rule.onNodeWithContentDescription(s.format(Str.DATE_CLEAR, s(Str.EDITOR_FINISHED))).performScrollTo().performClick()
        assertEquals("", state.form.finishedOn)
        rule.onNodeWithContentDescription("${s(Str.EDITOR_FINISHED)}: ${s(Str.DATE_NOT_SET)}").assertIsDisplayed()
        rule.onNodeWithTag(PocTags.SAVE).performScrollTo().performClick()
        assertEquals("Passkeys", state.form.name)
        assertEquals("done", state.form.status)
        assertEquals(listOf("auth"), tags)
        assertEquals(1, saved)
    }
}
