package app.pocdex.ui.support

import app.pocdex.core.dojo.ChatMessageUi
import app.pocdex.core.dojo.ConnectionState
import app.pocdex.core.dojo.DojoPhase
import app.pocdex.core.dojo.DojoRole
import app.pocdex.core.dojo.LiveDojoUiState
import app.pocdex.core.dojo.ParticipantUi
import app.pocdex.core.dojo.RemoteSelection
import app.pocdex.core.dojo.ReplayEventUi
import app.pocdex.core.dojo.ReplayUiState
import app.pocdex.core.dojo.TestStatus
import app.pocdex.core.dojo.TimerState
import app.pocdex.core.dojo.TimerUi
import app.pocdex.core.model.Attachment
import app.pocdex.core.model.Dojo
import app.pocdex.core.model.Highlights
import app.pocdex.core.model.Invitation
import app.pocdex.core.model.Job
import app.pocdex.core.model.JobFile
import app.pocdex.core.model.LanguageRef
import app.pocdex.core.model.Link
import app.pocdex.core.model.Me
import app.pocdex.core.model.Member
import app.pocdex.core.model.NameSuggestion
import app.pocdex.core.model.OrganizationRef
import app.pocdex.core.model.Person
import app.pocdex.core.model.PersonRef
import app.pocdex.core.model.Poc
import app.pocdex.core.model.SearchQuery
import app.pocdex.core.model.SearchResult
import app.pocdex.core.model.Suggestions
import app.pocdex.core.model.TagRef
import app.pocdex.core.model.UserRef
import app.pocdex.core.ot.SelectionRange
import app.pocdex.core.state.DojoListUiState
import app.pocdex.core.state.FacetChip
import app.pocdex.core.state.FacetGroup
import app.pocdex.core.state.MemberRow
import app.pocdex.core.state.MembersUiState
import app.pocdex.core.state.PocDetailUiState
import app.pocdex.core.state.PocListUiState
import app.pocdex.core.state.ProfileUiState
import app.pocdex.core.state.ReportForm
import app.pocdex.core.state.ReportsUiState
import app.pocdex.core.state.SearchUiState
import app.pocdex.core.state.UploadPhase
import app.pocdex.core.state.UploadUiState
import app.pocdex.core.state.VideoForm

/** Realistic content for the UI tests and the screenshots (a team's POCs, a live dojo ...). */
object Samples {
    private val kotlin = LanguageRef("kotlin", "Kotlin")
    private val python = LanguageRef("python", "Python")
    private val rust = LanguageRef("rust", "Rust")
    private val swift = LanguageRef("swift", "Swift")

    val pocs: List<Poc> =
        listOf(
            Poc(
                id = "p1",
                name = "Biometric login on Android",
                summary = "Can BiometricPrompt replace the password on the second login without hurting conversion?",
                status = "done",
                outcome = "validated",
                hypothesis = "People who enable biometrics log in twice as often, and support tickets about forgotten passwords drop.",
                learnings = "Class 3 sensors only; fall back to the password after three failures. Keystore keys must be invalidated on new enrolments.",
                languages = listOf(kotlin),
                tags = listOf(TagRef("auth", "auth"), TagRef("mobile", "mobile")),
                links = listOf(Link("Design notes", "https://wiki.example.com/biometrics")),
                author = PersonRef("u1", "Ana Souza"),
                contributorRefs = listOf(PersonRef("u1", "Ana Souza"), PersonRef("u2", "Bruno Lima"), PersonRef("u3", "Carla Dias")),
                repositoryUrl = "https://github.com/lab-agil/biometric-login",
                canEdit = true,
            ),
            Poc(
                id = "p2",
                name = "Search with typos in OpenSearch",
                summary = "Fuzzy matching and accent folding so “autenticacao” finds “Autenticação”.",
                status = "in_progress",
                languages = listOf(python),
                tags = listOf(TagRef("search", "search")),
                author = PersonRef("u2", "Bruno Lima"),
                canEdit = true,
            ),
            Poc(
                id = "p3",
                name = "Rust parser for CSV exports",
                summary = "A streaming parser that keeps memory flat on 2 GB files.",
                status = "idea",
                languages = listOf(rust),
                tags = listOf(TagRef("performance", "performance"), TagRef("data", "data")),
                author = PersonRef("u3", "Carla Dias"),
            ),
            Poc(
                id = "p4",
                name = "SwiftUI widgets for the dashboard",
                summary = "Home screen widgets with the week's dojos.",
                status = "abandoned",
                outcome = "inconclusive",
                languages = listOf(swift),
                tags = listOf(TagRef("ios", "ios")),
                author = PersonRef("u4", "Diego Rocha"),
            ),
        )

    fun pocList(
        offline: Boolean = false,
        more: Boolean = true,
    ) = PocListUiState(
        items = pocs,
        loading = false,
        nextCursor = if (more) "c2" else null,
        offline = offline,
        savedAtMillis = if (offline) 1_796_000_000_000 else null,
    )

    val attachments =
        listOf(
            Attachment("a1", "benchmark-results.pdf", "application/pdf", 482_113, state = "ready"),
            Attachment("a2", "screens.zip", "application/zip", 3_204_551, state = "ready"),
        )

    fun pocDetail() =
        PocDetailUiState(
            pocId = "p1",
            poc = pocs[0],
            loading = false,
            attachments = attachments,
            uploads = listOf(UploadUiState(key = 7, filename = "demo-video.mp4", sent = 6_500_000, total = 10_000_000, phase = UploadPhase.Sending)),
        )

    fun search() =
        SearchUiState(
            text = "autenticacao",
            query = SearchQuery(text = "autenticacao", languages = setOf("kotlin")),
            suggestions = Suggestions(names = listOf(NameSuggestion("p1", "Autenticação biométrica no Android"))),
            results =
                listOf(
                    SearchResult(
                        "p1",
                        "Autenticação biométrica no Android",
                        summary = "Login com digital",
                        status = "done",
                        languages = listOf("Kotlin"),
                        tags = listOf("auth", "mobile"),
                        highlights =
                            Highlights(
                                name = listOf("<mark>Autenticação</mark> biométrica no Android"),
                                summary = listOf("Login com <mark>digital</mark> &amp; face"),
                            ),
                    ),
                    SearchResult(
                        "p5",
                        "Autenticação por link mágico",
                        summary = "Sem senha: um link por e-mail",
                        status = "idea",
                        languages = listOf("Kotlin"),
                        tags = listOf("auth"),
                        highlights = Highlights(name = listOf("<mark>Autenticação</mark> por link mágico")),
                    ),
                ),
            total = 2,
            chips =
                listOf(
                    FacetChip(FacetGroup.Language, "kotlin", 2, true),
                    FacetChip(FacetGroup.Language, "python", 1, false),
                    FacetChip(FacetGroup.Tag, "auth", 2, false),
                    FacetChip(FacetGroup.Status, "done", 1, false),
                ),
            resultsFor = SearchQuery(text = "autenticacao", languages = setOf("kotlin")),
        )

    val dojos =
        listOf(
            Dojo(
                "d1",
                "Bowling kata",
                kata = "Score a game of ten-pin bowling",
                language = "Python",
                facilitator = Person("u1", "Ana Souza"),
                status = "live",
                rotationMinutes = 5,
            ),
            Dojo(
                "d2",
                "Roman numerals",
                kata = "Convert numbers to Roman numerals and back",
                language = "Kotlin",
                facilitator = Person("u2", "Bruno Lima"),
                status = "scheduled",
                scheduledAt = "2026-12-09T18:00:00Z",
                rotationMinutes = 7,
                canRun = true,
            ),
            Dojo(
                "d3",
                "Game of Life",
                kata = "Conway's Game of Life",
                language = "Rust",
                facilitator = Person("u3", "Carla Dias"),
                status = "ended",
                rotationMinutes = 7,
            ),
        )

    fun dojoList() = DojoListUiState(filter = "live", dojos = dojos, loading = false)

    private const val CODE =
        "def score(rolls):\n    total = 0\n    frame = 0\n    for _ in range(10):\n        if rolls[frame] == 10:\n" +
            "            total += 10 + rolls[frame + 1] + rolls[frame + 2]\n            frame += 1\n        else:\n" +
            "            total += rolls[frame] + rolls[frame + 1]\n            frame += 2\n    return total\n"

    fun liveDojo(
        role: DojoRole = DojoRole.PILOTO,
        connection: ConnectionState = ConnectionState.Live,
    ) = LiveDojoUiState(
        dojoId = "d1",
        connection = connection,
        phase = DojoPhase.LIVE,
        myId = "u1",
        document = CODE,
        revision = 42,
        myRole = role,
        canEdit = role == DojoRole.PILOTO,
        participants =
            listOf(
                ParticipantUi("u1", "Ana Souza", DojoRole.PILOTO, true, null, role == DojoRole.PILOTO),
                ParticipantUi("u2", "Bruno Lima", DojoRole.COPILOTO, true, null, false),
                ParticipantUi("u3", "Carla Dias", DojoRole.PLATEIA, true, 1, role == DojoRole.PLATEIA),
                ParticipantUi("u4", "Diego Rocha", DojoRole.PLATEIA, false, null, false),
            ),
        remoteSelections =
            listOf(
                RemoteSelection("u2", "Bruno", listOf(SelectionRange(60, 60))),
                RemoteSelection("u3", "Carla", listOf(SelectionRange(120, 131))),
            ),
        timer = TimerUi(TimerState.RUNNING, remainingMs = 183_000, rotationMs = 300_000),
        testStatus = TestStatus.GREEN,
        chat =
            listOf(
                ChatMessageUi(1, "u2", "Bruno Lima", "Strike first, then spare?", "2026-12-06T11:02:00Z", false),
                ChatMessageUi(2, "u1", "Ana Souza", "Yes — the strike test is green now.", "2026-12-06T11:03:00Z", true),
            ),
    )

    fun replay() =
        ReplayUiState(
            dojoId = "d3",
            loading = false,
            title = "Game of Life",
            totalEvents = 120,
            position = 64,
            document = CODE,
            revision = 40,
            current = ReplayEventUi(64, "test_status", "2026-11-28T19:12:00Z", "Carla Dias", "green"),
            pilotoName = "Carla Dias",
            copilotoName = "Diego Rocha",
            testStatus = TestStatus.GREEN,
        )

    fun reports() =
        ReportsUiState(
            reportForm = ReportForm(from = "2026-01-01", to = "2026-12-06"),
            videoForm = VideoForm(year = 2026),
            loading = false,
            jobs =
                listOf(
                    Job("j1", "video", "running", progress = 62, createdAt = "2026-12-06T10:40:00Z"),
                    Job(
                        "j2",
                        "report",
                        "succeeded",
                        progress = 100,
                        createdAt = "2026-12-05T09:12:00Z",
                        files =
                            listOf(
                                JobFile("pdf", size = 120_000, filename = "report.pdf", url = "https://files.example.com/r.pdf"),
                                JobFile("csv", size = 8_000, filename = "report.csv", url = "https://files.example.com/r.csv"),
                            ),
                    ),
                ),
            excludablePocs = pocs.take(3),
        )

    private val org = OrganizationRef("o1", "lab-agil", "Laboratório Ágil")

    val me = Me("u1", "ana@example.com", "Ana Souza", "en", emailVerified = true, totpEnabled = false, organization = org, role = "owner")

    fun profile() = ProfileUiState(me = me, name = me.name, locale = "en", loading = false)

    private fun member(
        id: String,
        name: String,
        email: String,
        role: String,
    ) = Member(id, UserRef("u$id", name, email), role)

    fun members(myRole: String = "owner") =
        MembersUiState(
            myRole = myRole,
            loading = false,
            rows =
                listOf(
                    MemberRow(
                        member("1", "Ana Souza", "ana@example.com", "owner"),
                        isMe = true,
                        canChangeRole = false,
                        canRemove = false,
                        assignableRoles = listOf("owner", "admin", "member"),
                    ),
                    MemberRow(
                        member("2", "Bruno Lima", "bruno@example.com", "admin"),
                        isMe = false,
                        canChangeRole = myRole == "owner",
                        canRemove =
                            myRole == "owner",
                        assignableRoles = listOf("owner", "admin", "member"),
                    ),
                    MemberRow(
                        member("3", "Carla Dias", "carla@example.com", "member"),
                        isMe = false,
                        canChangeRole = myRole != "member",
                        canRemove =
                            myRole != "member",
                        assignableRoles = listOf("admin", "member"),
                    ),
                ),
            invitations = listOf(Invitation("i1", "diego@example.com", "member", expiresAt = "2026-12-13T10:00:00Z")),
        )
}
