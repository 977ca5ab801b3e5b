// What the SwiftUI views (App/PocdexUI, App/Pocdex) use of PocdexKit, written as plain Swift
// so that it type-checks on Linux against the real package (scripts/typecheck_app.sh): every
// member, argument label, optionality, async-ness and actor isolation below is exactly as a
// view uses it. SwiftUI itself cannot be compiled here; this is the part of the views' code
// that can. When a view starts using a new member of a view model, add it here.
import Foundation
import PocdexKit

@MainActor
enum ViewModelContract {
    static func app(_ services: PocdexServices, url: URL) async {
        let app = AppViewModel(services: services)
        await app.start()
        _ = app.open(url)
        let link: DeepLink? = app.pendingLink
        app.pendingLink = link
        let session: SessionInfo? = app.session
        _ = session.map { ($0.organizationID, $0.userID, $0.role, $0.name, $0.organizationSlug) }
        switch app.phase {
        case .launching: break
        case .signedOut(let reason): _ = reason as SignOutReason?
        case .signedIn(let info): _ = info as SessionInfo
        }
        _ = (app.services.auth, app.services.account, app.services.pocs, app.services.search,
             app.services.dojos, app.services.media, app.services.api)
        await app.logout()
        if let link {
            switch link {
            case .invitation(let token), .passwordReset(let token), .verifyEmail(let token): _ = token as String
            }
        }
        _ = PocdexKit.defaultBaseURL
        _ = PocdexServices.live(baseURL: url, store: InMemorySecureStore(), cacheStorage: MemoryCacheStorage(),
                                language: { AppLanguage.english.rawValue })
        _ = FileCacheStorage.standard()
    }

    static func login(_ auth: AuthRepository, reason: SignOutReason?) async {
        let model = LoginViewModel(auth: auth, signedOutReason: reason)
        model.organization = ""; model.email = ""; model.password = ""; model.otp = ""
        let _: SignOutReason? = model.signedOutReason
        model.dismissSignedOutReason()
        let step: LoginViewModel.Step = model.step
        _ = step == .credentials || step == .secondFactor || step == .twoFactorEnrollment
        switch step {
        case .credentials, .secondFactor, .twoFactorEnrollment: break
        }
        let _: ErrorMessage? = model.error
        let _: FieldError? = model.fieldErrors["email"]
        let _: Bool = model.isSubmitting || model.canSubmit || model.justEnrolled
        await model.submit()
        model.backToCredentials()
        if let enrollment: TwoFactorEnrollmentViewModel = model.enrollment {
            await twoFactorEnrollment(enrollment)
        }
    }

    /// TwoFactorEnrollmentView: the enrollment the login hands over to (`LoginViewModel.enrollment`).
    static func twoFactorEnrollment(_ model: TwoFactorEnrollmentViewModel) async {
        switch model.step {
        case .starting, .finished: break
        case .settingUp(let setup): _ = (setup.otpauthURI as String, setup.secret as String)
        case .showingRecoveryCodes(let codes): _ = codes as [String]
        }
        let _: String? = model.notice
        let _: String = model.organization + model.email
        model.code = ""
        model.hasSavedRecoveryCodes = true
        let _: Bool = model.isWorking || model.canConfirm || model.canFinish || model.canCancel
        let _: ErrorMessage? = model.error
        await model.start()
        await model.confirm()
        model.finish()
        model.cancel()
    }

    static func signup(_ auth: AuthRepository) async {
        let model = SignupViewModel(auth: auth, language: .portuguese)
        model.organizationName = ""; model.ownerName = ""; model.email = ""; model.password = ""
        model.editSlug("x")
        let _: String = model.organizationSlug
        model.language = AppLanguage.english
        switch model.outcome {
        case nil: break
        case .some(.mailSent): break
        case .some(.signedIn(let info)): _ = info
        }
        let _: FieldError? = model.fieldErrors["organization_slug"]
        let _: ErrorMessage? = model.error
        let _: Bool = model.isSubmitting || model.emailVerified || model.isVerifying
        model.verificationCode = ""
        let _: ErrorMessage? = model.verificationError
        await model.submit()
        await model.verifyEmail()
    }

    static func forgotPassword(_ auth: AuthRepository) async {
        let model = ForgotPasswordViewModel(auth: auth, resetToken: "t")
        _ = ForgotPasswordViewModel(auth: auth)
        model.email = ""; model.code = ""; model.newPassword = ""
        switch model.step {
        case .request, .codeSent, .done: break
        }
        let _: FieldError? = model.fieldErrors["new_password"]
        let _: ErrorMessage? = model.error
        let _: Bool = model.isSubmitting
        await model.requestCode()
        await model.resetPassword()
        model.startOver()
    }

    static func acceptInvitation(_ auth: AuthRepository) async {
        let model = AcceptInvitationViewModel(auth: auth, token: "")
        model.token = ""; model.name = ""; model.password = ""; model.otp = ""; model.hasAccount = true
        let _: Bool = model.needsSecondFactor || model.isSubmitting || model.canSubmit
        let _: FieldError? = model.fieldErrors["name"]
        let _: ErrorMessage? = model.error
        let _: SessionInfo? = model.signedIn
        await model.submit()
    }

    static func profile(_ account: AccountRepository, auth: AuthRepository) async {
        let model = ProfileViewModel(repository: account, auth: auth)
        model.onLanguageChange = { language in _ = language.rawValue }
        model.verificationCode = ""
        model.name = ""
        model.language = .portuguese
        let _: ScreenState = model.state
        if let me = model.me {
            _ = (me.organization.name, me.role, me.email, me.emailVerified, me.totpEnabled)
        }
        let _: Bool = model.hasChanges || model.isSaving || model.verificationSent
        let _: FieldError? = model.fieldErrors["token"]
        let _: ErrorMessage? = model.error
        await model.load()
        await model.save()
        await model.confirmEmail()
        await model.resendVerification()
    }

    static func twoFactor(_ account: AccountRepository) async {
        let model = TwoFactorViewModel(repository: account, enabled: false)
        switch model.step {
        case .off, .on: break
        case .settingUp(let setup): _ = (setup.otpauthURI, setup.secret)
        case .showingRecoveryCodes(let codes): _ = codes as [String]
        }
        model.code = ""
        model.password = ""
        let _: Bool = model.isWorking
        let _: ErrorMessage? = model.error
        await model.begin()
        await model.confirm()
        model.finish()
        await model.disable()
    }

    static func push(_ account: AccountRepository, token: Data) async {
        let model = PushRegistrationViewModel(repository: account, appVersion: "1.0.0",
                                              locale: { AppLanguage.english.rawValue })
        switch model.status {
        case .unregistered, .registering, .registered, .failed: break
        }
        let _: PushRegistrationViewModel.Status = model.status
        await model.register(deviceToken: token)
        await model.unregister()
    }

    static func pocList(_ pocs: PocRepository, search: SearchRepository) async {
        let list = PocListViewModel(repository: pocs)
        await list.load()
        await list.refresh()
        await list.loadMore()
        let _: Date? = list.staleSince
        let _: Bool = list.isLoadingMore
        let _: ErrorMessage? = list.pageError
        for poc in list.pocs {
            await list.loadMoreIfNeeded(current: poc)
            list.apply(saved: poc)
            list.remove(id: poc.id)
            _ = (poc.name, poc.summary, poc.status, poc.languages.map(\.name), poc.tags.map(\.label))
        }
        switch list.state {
        case .idle, .loading, .offline, .empty, .content: break
        case .error(let error): _ = error as ErrorMessage
        }

        let model = SearchViewModel(repository: search)
        model.query = ""
        let _: String = model.trimmedQuery
        let filters: SearchFilters = model.filters
        _ = (filters.languages as [String], filters.tags as [String], filters.status as PocStatus?,
             filters.sort as SearchSort, filters.isEmpty)
        model.toggleLanguage("swift")
        model.toggleTag("ml")
        model.setStatus(nil)
        model.setStatus(PocStatus.done)
        model.setSort(.recent)
        model.setSort(SearchSort.relevance)
        model.clearFilters()
        model.applySuggestedTag("x")
        model.applySuggestedLanguage("x")
        model.searchNow()
        for name in model.suggestions.names { _ = (name.id, name.name) }
        for bucket in model.suggestions.languages + model.suggestions.tags + model.facets.status
            + model.facets.languages + model.facets.tags {
            _ = (bucket.id, bucket.title, bucket.value, bucket.count)
        }
        let _: Int = model.total
        let _: Bool = model.isLoadingMore
        let _: ScreenState = model.state
        for hit in model.results {
            await model.loadMoreIfNeeded(current: hit)
            let name: HighlightedText = SearchViewModel.highlightedName(hit)
            let snippet: HighlightedText = SearchViewModel.highlightedSnippet(hit)
            _ = (name.segments.map { ($0.text, $0.isMatch) }, snippet.plainText)
            _ = (hit.id, hit.status, hit.authorName, hit.languages as [String], hit.tagLabels as [String])
        }
        _ = PocStatus(rawValue: "idea") == .idea
        _ = [PocStatus.idea, .inProgress, .done, .abandoned] + PocStatus.all
    }

    static func pocDetail(_ pocs: PocRepository) async {
        let model = PocDetailViewModel(pocID: "id", repository: pocs)
        let _: String = model.pocID
        let _: ScreenState = model.state
        let _: Date? = model.staleSince
        let _: Bool = model.canEdit || model.isWorking || model.isDeleted
        let _: ErrorMessage? = model.actionError
        if let pending = model.pendingUndo { _ = pending.name as String }
        await model.load()
        if let poc = model.poc {
            model.apply(saved: poc)
            _ = (poc.author.name, poc.updatedAt as Date, poc.description, poc.hypothesis, poc.outcome as PocOutcome?,
                 poc.learnings, poc.repositoryURL, poc.links.map { ($0.title as String?, $0.url as String) })
        }
        for attachment in model.attachments {
            _ = (attachment.filename, attachment.size as Int64, attachment.contentType, attachment.isReady)
            let _: URL? = await model.downloadURL(for: attachment)
            await model.deleteAttachment(attachment)
        }
        for upload in model.uploads {
            _ = (upload.filename, upload.fraction as Double)
            switch upload.phase {
            case .uploading, .done: break
            case .failed(let error): _ = error as ErrorMessage
            }
            model.dismissUpload(upload.id)
        }
        await model.upload(filename: "a.txt", contentType: "text/plain", data: Data())
        await model.delete()
        await model.undoDelete()
        model.dismissError()
        _ = PocOutcome.all + [.validated, .invalidated, .inconclusive]
    }

    static func pocEditor(_ pocs: PocRepository, poc: Poc) async {
        let model = PocEditorViewModel(repository: pocs, editing: poc)
        _ = PocEditorViewModel(repository: pocs)
        model.draft.name = ""; model.draft.summary = ""; model.draft.description = ""
        model.draft.hypothesis = ""; model.draft.learnings = ""; model.draft.repositoryURL = ""
        model.draft.status = .idea
        model.draft.outcome = nil
        model.draft.visibility = .team
        model.draft.visibility = Visibility.`private`
        model.draft.visibility = .invited
        model.draft.visibility = PocVisibility.invited  // the views' name for it (AppEnvironment.swift)
        model.languagesText = ""
        model.tagsText = ""
        let _: FieldError? = model.error(for: "name")
        let _: ErrorMessage? = model.error
        let _: Bool = model.isSaving || model.mode == .create
        let saved: Poc? = await model.save()
        _ = saved
    }

    static func dojos(_ dojos: DojoRepository, services: PocdexServices) async {
        let list = DojoListViewModel(repository: dojos)
        let _: DojoListState = list.selection
        await list.select(.upcoming)
        await list.select(DojoListState.past)
        await list.load()
        await list.refresh()
        let _: ErrorMessage? = list.actionError
        list.dismissError()
        let _: ScreenState = list.state
        for dojo in list.dojos {
            _ = (dojo.id, dojo.title, dojo.language, dojo.rotationMinutes, dojo.facilitator.name,
                 dojo.scheduledAt as Date, dojo.canRun)
            switch dojo.status {
            case .live, .ended, .scheduled: break
            default: break
            }
            let live: Dojo? = await list.start(dojo)
            _ = live
            await list.end(dojo)
            list.added(dojo)
        }

        let schedule = DojoScheduleViewModel(repository: dojos)
        schedule.draft.title = ""; schedule.draft.kata = ""; schedule.draft.language = ""
        schedule.draft.scheduledAt = Date()
        schedule.draft.rotationMinutes = DojoScheduleViewModel.rotationChoices[0]
        schedule.draft.copilotoMayEdit = true
        schedule.draft.visibility = PocVisibility.team
        let _: FieldError? = schedule.fieldErrors["title"]
        let _: ErrorMessage? = schedule.error
        let _: Bool = schedule.isSaving
        let scheduled: Dojo? = await schedule.schedule()
        _ = scheduled

        let replay = ReplayViewModel(loader: services.replayLoader(dojoID: "id"))
        await replay.load()
        switch replay.phase {
        case .loading, .empty, .ready: break
        case .failed(let message): _ = message as String
        }
        _ = (replay.title as String?, replay.document, replay.stepCount, replay.position,
             replay.currentTime as Date?, replay.isPlaying, replay.testStatus as DojoTestStatus?, replay.chat.count)
        _ = (replay.seats.piloto as String?, replay.seats.copiloto as String?, replay.names["x"] as String?)
        replay.seek(to: 1)
        replay.stepForward()
        replay.stepBackward()
        replay.play()
        replay.pause()
    }

    static func liveDojo(_ services: PocdexServices) {
        let model = services.liveDojoViewModel(dojoID: "id")
        model.start()
        model.stop()
        model.retry()
        switch model.connection {
        case .idle, .connecting, .live: break
        case .reconnecting(let attempt, let delay): _ = (attempt as Int, delay as Double)
        case .ended(let reason):
            switch reason {
            case .closedByClient, .gaveUp, .ticketDenied: break
            case .accessRevoked(_, let message), .refused(_, let message): _ = message as String
            }
        }
        for member in model.members {
            _ = (member.id, member.name, member.role as DojoRole, member.queuePosition as Int?, member.isConnected, member.isMe)
        }
        switch model.myRole {
        case .piloto, .copiloto, .plateia: break
        }
        if let status = model.testStatus {
            switch status { case .red, .green: break }
        }
        let timer: DojoTimerState = model.timerState
        _ = timer == .paused || timer == .waiting
        let _: Int? = model.remainingSeconds
        let _: Bool = model.canEdit || model.hasPendingEdits || model.canAnnounceTests || model.canControlTimer
            || model.isPaused || model.canPass || model.isInQueue || model.status == .live
        let _: String = model.document
        for cursor in model.remoteCursors { _ = (cursor.id, cursor.actor.name) }
        for message in model.chat { _ = (message.id, message.author?.name as String?, message.text) }
        if let refusal = model.chatError {
            switch refusal {
            case .empty, .notConnected: break
            case .tooLong(let limit): _ = limit as Int
            }
        }
        model.chatDraft = ""
        model.sendChat()
        model.announceTests(.red)
        model.togglePause()
        model.passKeyboard()
        model.setInQueue(true)
        model.editorTextChanged(to: "")
        if let error = model.lastError { _ = error.message as String }
        model.dismissError()
    }

    static func reports(_ media: MediaRepository) async {
        let model = ReportsViewModel(repository: media, language: .portuguese)
        model.kind = .report
        model.kind = JobKind.video
        model.scope = "me"
        model.language = .english
        model.from = Date(); model.to = Date()
        model.formats.insert("pdf"); model.formats.remove("csv")
        _ = model.formats.contains("pdf")
        model.year = 2026
        model.videoFormat = "square"
        let _: FieldError? = model.fieldErrors["formats"]
        let _: ErrorMessage? = model.error
        let _: Bool = model.isRequesting
        let _: ScreenState = model.state
        await model.load()
        await model.request()
        model.stop()
        if let job = model.activeJob { _ = job.status.isFinished }
        for job in model.jobs {
            _ = (job.id, job.kind == .video, job.progress as Int, job.createdAt as Date?, job.error?.message as String?)
            switch job.status {
            case .queued, .running, .succeeded, .failed: break
            default: break
            }
            for file in job.files {
                _ = (file.url, file.format, file.size as Int, file.contentType)
                let _: URL? = model.url(of: file)
                let _: URL? = await model.download(file)
            }
        }
    }

    static func members(_ account: AccountRepository, me: SessionInfo) async {
        let model = MembersViewModel(repository: account, me: me)
        let _: Bool = model.canManage || model.isInviting
        let _: String = model.me.userID
        let _: ScreenState = model.state
        let _: ErrorMessage? = model.actionError
        await model.load()
        for member in model.members {
            _ = (member.id, member.user.id, member.user.name, member.user.email, member.role)
            let roles: [Role] = model.assignableRoles(for: member)
            let _: Bool = model.canRemove(member)
            if let role = roles.first { await model.changeRole(of: member, to: role) }
            await model.remove(member)
        }
        for invitation in model.pendingInvitations {
            _ = (invitation.id, invitation.email, invitation.role, invitation.expiresAt as Date)
            await model.revoke(invitation)
        }
        _ = model.invitations.count
        model.inviteEmail = ""
        model.inviteRole = model.invitableRoles.first ?? .member
        let _: FieldError? = model.inviteFieldErrors["email"]
        await model.invite()
        model.dismissError()
        _ = [Role.owner, .admin, .member].map(\.rawValue)
    }

    /// The app's wording switches over these: a new case must get its text.
    static func wording(_ error: ErrorMessage, field: FieldError, problem: FieldProblem, reason: SignOutReason) {
        _ = (error.serverMessage as String?, error.code as String?)
        switch error.kind {
        case .offline, .timeout, .server, .validation, .throttled, .notFound, .forbidden, .notReady, .unexpected: break
        case .sessionEnded(let reason): _ = reason
        }
        _ = error.code == FieldProblem.invalidCode.rawValue || error.code == FieldProblem.required.rawValue
        switch field {
        case .local(let problem): _ = problem
        case .server(let message): _ = message as String
        }
        switch problem {
        case .required, .invalidEmail, .invalidSlug, .passwordTooShort, .tooLong, .invalidCode, .codeAlreadyUsed, .invalidRange: break
        }
        switch reason {
        case .loggedOut, .sessionRevoked, .sessionExpired, .membershipRevoked, .organizationSuspended: break
        }
    }
}
