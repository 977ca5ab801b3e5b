package app.pocdex.core.model

import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable

/** Roles of a person in an organization, as the accounts API spells them. */
object Roles {
    const val OWNER = "owner"
    const val ADMIN = "admin"
    const val MEMBER = "member"
    val all: List<String> = listOf(OWNER, ADMIN, MEMBER)
}

/** The two languages of the platform (accounts and pocs spelling). */
object Locales {
    const val PT_BR = "pt-BR"
    const val EN = "en"
}

@Serializable
data class TokenPair(
    val access: String,
    val refresh: String,
    @SerialName("token_type") val tokenType: String = "Bearer",
    @SerialName("expires_in") val expiresIn: Long,
    @SerialName("refresh_expires_at") val refreshExpiresAt: String = "",
)

@Serializable
data class LoginRequest(
    val organization: String,
    val email: String,
    val password: String,
    val otp: String? = null,
)

@Serializable
data class RefreshRequest(
    val refresh: String,
)

@Serializable
data class TokenRequest(
    val token: String,
)

@Serializable
data class OrganizationRef(
    val id: String,
    val slug: String,
    val name: String,
    val status: String = "",
    val plan: String = "",
)

@Serializable
data class UserRef(
    val id: String,
    val name: String,
    val email: String,
)

@Serializable
data class MembershipRef(
    val organization: OrganizationRef,
    val role: String,
)

@Serializable
data class Me(
    val id: String,
    val email: String,
    val name: String,
    val locale: String = Locales.EN,
    @SerialName("email_verified") val emailVerified: Boolean = false,
    @SerialName("totp_enabled") val totpEnabled: Boolean = false,
    val organization: OrganizationRef,
    val role: String,
    val memberships: List<MembershipRef> = emptyList(),
)

@Serializable
data class MeUpdate(
    val name: String? = null,
    val locale: String? = null,
)

@Serializable
data class SignupRequest(
    @SerialName("organization_name") val organizationName: String,
    @SerialName("organization_slug") val organizationSlug: String,
    @SerialName("owner_name") val ownerName: String,
    val email: String,
    val password: String,
    val locale: String? = null,
)

/** 201 of signup and of creating an organization. */
@Serializable
data class SignupOutput(
    val organization: OrganizationRef,
    val user: UserRef,
    val role: String,
    val tokens: TokenPair,
)

/** 202 of signup: the address already has an account; it was mailed instead. */
@Serializable
data class SignupMailed(
    val status: String,
)

@Serializable
data class OrganizationCreateRequest(
    @SerialName("organization_name") val organizationName: String,
    @SerialName("organization_slug") val organizationSlug: String,
    val locale: String? = null,
)

@Serializable
data class PasswordResetRequest(
    val email: String,
)

@Serializable
data class PasswordResetConfirm(
    val token: String,
    @SerialName("new_password") val newPassword: String,
)

@Serializable
data class Invitation(
    val id: String,
    val email: String,
    val role: String = Roles.MEMBER,
    @SerialName("created_at") val createdAt: String = "",
    @SerialName("expires_at") val expiresAt: String = "",
    @SerialName("accepted_at") val acceptedAt: String? = null,
    @SerialName("revoked_at") val revokedAt: String? = null,
)

@Serializable
data class InvitationCreate(
    val email: String,
    val role: String = Roles.MEMBER,
)

@Serializable
data class InvitationAccept(
    val token: String,
    val name: String? = null,
    val password: String? = null,
    val otp: String? = null,
)

@Serializable
data class InvitationAcceptOutput(
    val organization: OrganizationRef,
    val role: String,
    @SerialName("created_user") val createdUser: Boolean,
    val tokens: TokenPair,
)

@Serializable
data class Member(
    val id: String,
    val user: UserRef,
    val role: String,
    @SerialName("created_at") val createdAt: String = "",
)

@Serializable
data class MemberUpdate(
    val role: String,
)

@Serializable
data class TotpStart(
    val secret: String,
    @SerialName("otpauth_uri") val otpauthUri: String,
)

@Serializable
data class TotpConfirm(
    val code: String,
)

@Serializable
data class TotpEnabled(
    @SerialName("recovery_codes") val recoveryCodes: List<String>,
)

/**
 * Two-factor enrollment without a session (POST /api/v1/auth/totp-enrollment), for a member an
 * organization's two-factor rule keeps out: the login's credentials, then [TotpStart].
 */
@Serializable
data class TotpEnrollmentRequest(
    val organization: String,
    val email: String,
    val password: String,
)

/** POST /api/v1/auth/totp-enrollment/confirm: the credentials and the first code; answers [TotpEnabled]. */
@Serializable
data class TotpEnrollmentConfirm(
    val organization: String,
    val email: String,
    val password: String,
    val code: String,
)

/** Push device registration (POST /api/v1/devices). */
@Serializable
data class DeviceRegistration(
    val platform: String,
    val token: String,
    val locale: String? = null,
    @SerialName("app_version") val appVersion: String? = null,
)

@Serializable
data class Device(
    val id: String,
    val platform: String,
    @SerialName("token_suffix") val tokenSuffix: String = "",
    val locale: String? = null,
    @SerialName("created_at") val createdAt: String = "",
    @SerialName("last_seen_at") val lastSeenAt: String = "",
)

object PushPlatforms {
    const val FCM = "fcm"
    const val APNS = "apns"
}
