package app.pocdex.core.state

import app.pocdex.core.data.AuthRepository
import app.pocdex.core.data.DeviceRepository
import app.pocdex.core.data.OrganizationRepository
import app.pocdex.core.data.ProfileRepository
import app.pocdex.core.model.Device
import app.pocdex.core.model.DeviceRegistration
import app.pocdex.core.model.Invitation
import app.pocdex.core.model.Locales
import app.pocdex.core.model.Me
import app.pocdex.core.model.MeUpdate
import app.pocdex.core.model.Member
import app.pocdex.core.model.PushPlatforms
import app.pocdex.core.model.Roles
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.FieldError
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch

/** The platform's membership rules, as the screen applies them before asking the server. */
object MemberRules {
    fun canManage(myRole: String): Boolean = myRole == Roles.OWNER || myRole == Roles.ADMIN

    /** Only an owner grants or takes the owner role; admins manage admins and members. */
    fun assignableRoles(myRole: String): List<String> =
        when (myRole) {
            Roles.OWNER -> Roles.all
            Roles.ADMIN -> listOf(Roles.ADMIN, Roles.MEMBER)
            else -> emptyList()
        }

    fun canChangeRole(
        myRole: String,
        target: Member,
    ): Boolean = canManage(myRole) && (myRole == Roles.OWNER || target.role != Roles.OWNER)

    fun canRemove(
        myRole: String,
        myUserId: String,
        target: Member,
    ): Boolean = canChangeRole(myRole, target) && target.user.id != myUserId

    /** The last owner can be neither demoted nor removed. */
    fun isLastOwner(
        members: List<Member>,
        target: Member,
    ): Boolean = target.role == Roles.OWNER && members.count { it.role == Roles.OWNER } <= 1
}

data class MemberRow(
    val member: Member,
    val isMe: Boolean,
    val canChangeRole: Boolean,
    val canRemove: Boolean,
    val assignableRoles: List<String>,
)

data class MembersUiState(
    val myRole: String,
    val rows: List<MemberRow> = emptyList(),
    /** Pending invitations (owners and admins only). */
    val invitations: List<Invitation> = emptyList(),
    val loading: Boolean = true,
    val error: UiError? = null,
    val inviteEmail: String = "",
    val inviteRole: String = Roles.MEMBER,
    val inviting: Boolean = false,
    val inviteSentTo: String? = null,
    val fieldErrors: Map<String, FieldError> = emptyMap(),
    /** A role change, removal or revocation refused (last_owner, owner_required, email_unverified …). */
    val actionError: UiError? = null,
    val busyMemberId: String? = null,
) {
    val canManage: Boolean get() = MemberRules.canManage(myRole)
    val inviteRoles: List<String> get() = MemberRules.assignableRoles(myRole)
    val offline: Boolean get() = error?.kind == ErrorKind.Network
}

/** Members and invitations; only owners and admins see the management actions, with the server's rules. */
class MembersStateHolder(
    private val scope: CoroutineScope,
    private val organization: OrganizationRepository,
    private val myUserId: String,
    myRole: String,
    autoLoad: Boolean = true,
) : StateHolder<MembersUiState>(MembersUiState(myRole = myRole)) {
    init {
        if (autoLoad) refresh()
    }

    fun refresh() {
        update { it.copy(loading = true, error = null) }
        scope.launch {
            val members = organization.members()
            val invitations = if (current.canManage) organization.invitations() else ApiResult.Ok(emptyList())
            when {
                members is ApiResult.Err -> {
                    update { it.copy(loading = false, error = UiError.from(members.error)) }
                }

                else -> {
                    val list = (members as ApiResult.Ok).value
                    update {
                        it.copy(
                            loading = false,
                            rows = rows(list, it.myRole),
                            invitations = (invitations as? ApiResult.Ok)?.value.orEmpty().filter { inv -> inv.acceptedAt == null && inv.revokedAt == null },
                            actionError = (invitations as? ApiResult.Err)?.let { e -> UiError.from(e.error) },
                        )
                    }
                }
            }
        }
    }

    fun onInviteEmailChange(value: String) = update { it.copy(inviteEmail = value.trim(), fieldErrors = it.fieldErrors - "email", inviteSentTo = null) }

    fun onInviteRoleChange(role: String) = update { if (role in it.inviteRoles) it.copy(inviteRole = role) else it }

    fun invite() {
        val s = current
        if (!s.canManage || s.inviting) return
        val errors = mutableMapOf<String, FieldError>()
        Checks.email(errors, "email", s.inviteEmail)
        if (errors.isNotEmpty()) return update { it.copy(fieldErrors = errors) }
        update { it.copy(inviting = true, actionError = null) }
        scope.launch {
            when (val answer = organization.invite(s.inviteEmail, s.inviteRole)) {
                is ApiResult.Ok -> {
                    update { st ->
                        st.copy(
                            inviting = false,
                            inviteEmail = "",
                            inviteSentTo = answer.value.email,
                            invitations = listOf(answer.value) + st.invitations.filterNot { it.id == answer.value.id },
                        )
                    }
                }

                is ApiResult.Err -> {
                    update { it.copy(inviting = false, actionError = UiError.from(answer.error), fieldErrors = fieldErrorsOf(answer.error)) }
                }
            }
        }
    }

    fun changeRole(
        memberId: String,
        role: String,
    ) {
        val row = current.rows.firstOrNull { it.member.id == memberId } ?: return
        if (!row.canChangeRole || role !in row.assignableRoles || role == row.member.role) return
        update { it.copy(busyMemberId = memberId, actionError = null) }
        scope.launch {
            when (val answer = organization.changeRole(memberId, role)) {
                is ApiResult.Ok -> {
                    update { st ->
                        val members = st.rows.map { if (it.member.id == memberId) answer.value else it.member }
                        st.copy(busyMemberId = null, rows = rows(members, st.myRole))
                    }
                }

                is ApiResult.Err -> {
                    update { it.copy(busyMemberId = null, actionError = UiError.from(answer.error)) }
                }
            }
        }
    }

    fun remove(memberId: String) {
        val row = current.rows.firstOrNull { it.member.id == memberId } ?: return
        if (!row.canRemove) return
        update { it.copy(busyMemberId = memberId, actionError = null) }
        scope.launch {
            when (val answer = organization.remove(memberId)) {
                is ApiResult.Ok -> {
                    update { st -> st.copy(busyMemberId = null, rows = rows(st.rows.map { it.member }.filterNot { it.id == memberId }, st.myRole)) }
                }

                is ApiResult.Err -> {
                    update { it.copy(busyMemberId = null, actionError = UiError.from(answer.error)) }
                }
            }
        }
    }

    fun revokeInvitation(invitationId: String) {
        if (!current.canManage) return
        scope.launch {
            when (val answer = organization.revokeInvitation(invitationId)) {
                is ApiResult.Ok -> update { st -> st.copy(invitations = st.invitations.filterNot { it.id == invitationId }) }
                is ApiResult.Err -> update { it.copy(actionError = UiError.from(answer.error)) }
            }
        }
    }

    fun dismissError() = update { it.copy(actionError = null) }

    private fun rows(
        members: List<Member>,
        myRole: String,
    ): List<MemberRow> =
        members.map { m ->
            val lastOwner = MemberRules.isLastOwner(members, m)
            MemberRow(
                member = m,
                isMe = m.user.id == myUserId,
                canChangeRole = MemberRules.canChangeRole(myRole, m) && !lastOwner,
                canRemove = MemberRules.canRemove(myRole, myUserId, m) && !lastOwner,
                assignableRoles = MemberRules.assignableRoles(myRole),
            )
        }
}

/** The two-factor part of the profile. */
sealed interface TwoFactorState {
    data object Disabled : TwoFactorState

    data object Starting : TwoFactorState

    /** Scan [otpauthUri] (or type [secret]) and confirm with a code. */
    data class Setup(
        val secret: String,
        val otpauthUri: String,
        val code: String = "",
        val confirming: Boolean = false,
        val error: UiError? = null,
    ) : TwoFactorState

    /** Shown once after enabling: the person keeps them somewhere safe. */
    data class RecoveryCodes(
        val codes: List<String>,
    ) : TwoFactorState

    data object Enabled : TwoFactorState

    data object Disabling : TwoFactorState
}

data class ProfileUiState(
    val me: Me? = null,
    val name: String = "",
    val locale: String = Locales.EN,
    val loading: Boolean = true,
    val saving: Boolean = false,
    val saved: Boolean = false,
    val error: UiError? = null,
    val fieldErrors: Map<String, FieldError> = emptyMap(),
    val twoFactor: TwoFactorState = TwoFactorState.Disabled,
    val verificationSent: Boolean = false,
    val loggingOut: Boolean = false,
    val loggedOut: Boolean = false,
) {
    val dirty: Boolean get() = me != null && (name.trim() != me.name || locale != me.locale)
    val offline: Boolean get() = error?.kind == ErrorKind.Network
}

/** Profile (name, language), email verification, two-factor setup and logout. */
class ProfileStateHolder(
    private val scope: CoroutineScope,
    private val profile: ProfileRepository,
    private val auth: AuthRepository,
    /** Called when the language is saved, so the app switches its locale. */
    private val onLocaleSaved: (String) -> Unit = {},
    autoLoad: Boolean = true,
) : StateHolder<ProfileUiState>(ProfileUiState()) {
    init {
        if (autoLoad) refresh()
    }

    fun refresh() {
        update { it.copy(loading = true, error = null) }
        scope.launch {
            when (val answer = profile.me()) {
                is ApiResult.Ok -> update { applyMe(it.copy(loading = false), answer.value) }
                is ApiResult.Err -> update { it.copy(loading = false, error = UiError.from(answer.error)) }
            }
        }
    }

    fun onNameChange(value: String) = update { it.copy(name = value, saved = false, fieldErrors = it.fieldErrors - "name") }

    fun onLocaleChange(value: String) = update { it.copy(locale = if (value == Locales.PT_BR) Locales.PT_BR else Locales.EN, saved = false) }

    fun save() {
        val s = current
        if (s.saving || s.me == null) return
        val errors = mutableMapOf<String, FieldError>()
        Checks.required(errors, "name", s.name, 150)
        if (errors.isNotEmpty()) return update { it.copy(fieldErrors = errors) }
        update { it.copy(saving = true, error = null) }
        scope.launch {
            when (val answer = profile.update(MeUpdate(name = s.name.trim(), locale = s.locale))) {
                is ApiResult.Ok -> {
                    update { applyMe(it.copy(saving = false, saved = true), answer.value) }
                    onLocaleSaved(answer.value.locale)
                }

                is ApiResult.Err -> {
                    update { it.copy(saving = false, error = UiError.from(answer.error), fieldErrors = fieldErrorsOf(answer.error)) }
                }
            }
        }
    }

    fun resendVerification() {
        scope.launch {
            when (val answer = auth.resendVerification()) {
                is ApiResult.Ok -> update { it.copy(verificationSent = true) }
                is ApiResult.Err -> update { it.copy(error = UiError.from(answer.error)) }
            }
        }
    }

    fun startTwoFactor() {
        if (current.twoFactor != TwoFactorState.Disabled) return
        update { it.copy(twoFactor = TwoFactorState.Starting, error = null) }
        scope.launch {
            when (val answer = profile.startTotp()) {
                is ApiResult.Ok -> update { it.copy(twoFactor = TwoFactorState.Setup(answer.value.secret, answer.value.otpauthUri)) }
                is ApiResult.Err -> update { it.copy(twoFactor = TwoFactorState.Disabled, error = UiError.from(answer.error)) }
            }
        }
    }

    fun onTotpCodeChange(value: String) =
        update { st ->
            val tf = st.twoFactor
            if (tf is TwoFactorState.Setup) st.copy(twoFactor = tf.copy(code = value.filter(Char::isDigit).take(6), error = null)) else st
        }

    fun confirmTwoFactor() {
        val tf = current.twoFactor as? TwoFactorState.Setup ?: return
        if (tf.confirming) return
        if (tf.code.length != 6) {
            return update { it.copy(twoFactor = tf.copy(error = UiError(ErrorKind.Validation, FieldCodes.REQUIRED))) }
        }
        update { it.copy(twoFactor = tf.copy(confirming = true)) }
        scope.launch {
            when (val answer = profile.confirmTotp(tf.code)) {
                is ApiResult.Ok -> {
                    update { st -> st.copy(twoFactor = TwoFactorState.RecoveryCodes(answer.value.recoveryCodes), me = st.me?.copy(totpEnabled = true)) }
                }

                is ApiResult.Err -> {
                    update { it.copy(twoFactor = tf.copy(confirming = false, code = "", error = UiError.from(answer.error))) }
                }
            }
        }
    }

    fun cancelTwoFactorSetup() = update { if (it.twoFactor is TwoFactorState.Setup) it.copy(twoFactor = TwoFactorState.Disabled) else it }

    fun acknowledgeRecoveryCodes() = update { if (it.twoFactor is TwoFactorState.RecoveryCodes) it.copy(twoFactor = TwoFactorState.Enabled) else it }

    fun disableTwoFactor() {
        if (current.twoFactor != TwoFactorState.Enabled) return
        update { it.copy(twoFactor = TwoFactorState.Disabling, error = null) }
        scope.launch {
            when (val answer = profile.disableTotp()) {
                is ApiResult.Ok -> update { st -> st.copy(twoFactor = TwoFactorState.Disabled, me = st.me?.copy(totpEnabled = false)) }
                is ApiResult.Err -> update { it.copy(twoFactor = TwoFactorState.Enabled, error = UiError.from(answer.error)) }
            }
        }
    }

    fun logout() {
        if (current.loggingOut) return
        update { it.copy(loggingOut = true) }
        scope.launch {
            auth.logout()
            update { it.copy(loggingOut = false, loggedOut = true) }
        }
    }

    private fun applyMe(
        state: ProfileUiState,
        me: Me,
    ): ProfileUiState =
        state.copy(
            me = me,
            name = me.name,
            locale = me.locale,
            twoFactor =
                when {
                    state.twoFactor is TwoFactorState.Setup || state.twoFactor is TwoFactorState.RecoveryCodes -> state.twoFactor
                    me.totpEnabled -> TwoFactorState.Enabled
                    else -> TwoFactorState.Disabled
                },
        )
}

sealed interface PushUiState {
    data object Idle : PushUiState

    data object Registering : PushUiState

    data class Registered(
        val device: Device,
    ) : PushUiState

    data class Failed(
        val error: UiError,
    ) : PushUiState
}

/**
 * Push registration: the app hands over the OS token after login and whenever it changes; logout
 * deletes the device (best effort).
 */
class PushRegistrationStateHolder(
    private val scope: CoroutineScope,
    private val devices: DeviceRepository,
    private val platform: String = PushPlatforms.FCM,
    private val locale: () -> String = { Locales.EN },
    private val appVersion: String? = null,
) : StateHolder<PushUiState>(PushUiState.Idle) {
    private var lastToken: String? = null

    fun onToken(token: String) {
        if (token.isBlank()) return
        val s = current
        if (token == lastToken && (s is PushUiState.Registered || s is PushUiState.Registering)) return
        lastToken = token
        update { PushUiState.Registering }
        scope.launch {
            when (val answer = devices.register(DeviceRegistration(platform, token, locale(), appVersion))) {
                is ApiResult.Ok -> update { PushUiState.Registered(answer.value) }
                is ApiResult.Err -> update { PushUiState.Failed(UiError.from(answer.error)) }
            }
        }
    }

    /** Registers again with the last token (after a failure, or a language change). */
    fun retry() {
        val token = lastToken ?: return
        lastToken = null
        onToken(token)
    }

    /** Before logout: forgets the device on the server (best effort). */
    suspend fun unregister() {
        val device = (current as? PushUiState.Registered)?.device
        if (device != null) devices.delete(device.id)
        lastToken = null
        update { PushUiState.Idle }
    }
}
