"""Signup, members and invitations."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from identity import throttling
from identity.api import OrganizationRefSerializer
from identity.authentication import current_membership, current_user
from identity.endpoints import PublicEndpoint
from identity.models import Locale
from pocdex_shared.pagination import CursorPagination
from tokens.api import TokenPairSerializer, token_pair_data

from .models import Invitation, Role
from .selectors import members_of, pending_invitations
from .services import (
    SignupMailed,
    SignupResult,
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_change_role,
    membership_remove,
    organization_create,
    organization_signup,
)


class UserRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    email = serializers.EmailField()


class SignupOutput(serializers.Serializer):
    organization = OrganizationRefSerializer()
    user = UserRefSerializer()
    role = serializers.CharField()
    tokens = TokenPairSerializer()


class SignupMailedOutput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["mail_sent"],
        help_text="The email already has an account: nothing was created and the address was "
        "mailed. Its owner logs in and creates the organization with POST /api/v1/organizations.",
    )


def signup_output(result: SignupResult) -> dict[str, object]:
    return {
        "organization": OrganizationRefSerializer(result.organization).data,
        "user": UserRefSerializer(result.user).data,
        "role": result.membership.role,
        "tokens": token_pair_data(result.tokens),
    }


class SignupView(PublicEndpoint):
    class SignupInput(serializers.Serializer):
        organization_name = serializers.CharField(max_length=120)
        organization_slug = serializers.CharField(max_length=63)
        owner_name = serializers.CharField(max_length=150)
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=1024, trim_whitespace=False)
        locale = serializers.ChoiceField(choices=Locale.choices, default=Locale.PT_BR)

    @extend_schema(
        request=SignupInput,
        responses={201: SignupOutput, 202: SignupMailedOutput},
        auth=[],
        summary="Create an organization and its owner",
        description="A new email gets its organization, its owner and a first pair of tokens "
        "(201). An email that already has an account gets 202 and a mail: the password is not "
        "checked and nothing is created; the person logs in and uses POST /api/v1/organizations.",
    )
    def post(self, request: Request) -> Response:
        data = self.SignupInput(data=request.data)
        data.is_valid(raise_exception=True)
        throttling.hit("signup_ip", throttling.client_ip(request._request))
        result = organization_signup(**data.validated_data)
        if isinstance(result, SignupMailed):
            return Response({"status": "mail_sent"}, status=status.HTTP_202_ACCEPTED)
        return Response(signup_output(result), status=status.HTTP_201_CREATED)


class OrganizationCreateView(APIView):
    class OrganizationCreateInput(serializers.Serializer):
        organization_name = serializers.CharField(max_length=120)
        organization_slug = serializers.CharField(max_length=63)
        locale = serializers.ChoiceField(choices=Locale.choices, required=False)

    @extend_schema(
        request=OrganizationCreateInput,
        responses={201: SignupOutput},
        summary="Create another organization, owned by me",
        description="The logged-in person becomes the owner of a new organization. The answer "
        "carries tokens for the new organization (a new session); the caller's session stays.",
    )
    def post(self, request: Request) -> Response:
        data = self.OrganizationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        owner = current_user(request)
        result = organization_create(
            owner=owner,
            organization_name=data.validated_data["organization_name"],
            organization_slug=data.validated_data["organization_slug"],
            locale=data.validated_data.get("locale") or owner.locale,
        )
        return Response(signup_output(result), status=status.HTTP_201_CREATED)


class MemberSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    user = UserRefSerializer()
    role = serializers.CharField()
    created_at = serializers.DateTimeField()


class MembersPagination(CursorPagination):
    ordering = ("created_at", "id")


class MemberListView(APIView):
    @extend_schema(
        responses={200: MemberSerializer(many=True)}, summary="List the organization's members"
    )
    def get(self, request: Request) -> Response:
        queryset = members_of(
            organization_id=current_membership(request).organization_id,
            role=request.query_params.get("role"),
        )
        paginator = MembersPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(MemberSerializer(page, many=True).data)


class MemberDetailView(APIView):
    class MemberUpdate(serializers.Serializer):
        role = serializers.ChoiceField(choices=Role.choices)

    @extend_schema(
        request=MemberUpdate, responses={200: MemberSerializer}, summary="Change a member's role"
    )
    def patch(self, request: Request, member_id: uuid.UUID) -> Response:
        data = self.MemberUpdate(data=request.data)
        data.is_valid(raise_exception=True)
        member = membership_change_role(
            actor=current_membership(request), target_id=member_id, role=data.validated_data["role"]
        )
        return Response(MemberSerializer(member).data)

    @extend_schema(responses={204: None}, summary="Remove a member (or leave)")
    def delete(self, request: Request, member_id: uuid.UUID) -> Response:
        membership_remove(actor=current_membership(request), target_id=member_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]


class InvitationsPagination(CursorPagination):
    ordering = ("-created_at", "id")


class InvitationListView(APIView):
    class InvitationCreateInput(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)

    @extend_schema(responses={200: InvitationSerializer(many=True)}, summary="Pending invitations")
    def get(self, request: Request) -> Response:
        queryset = pending_invitations(actor=current_membership(request))
        paginator = InvitationsPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(InvitationSerializer(page, many=True).data)

    @extend_schema(
        request=InvitationCreateInput,
        responses={201: InvitationSerializer},
        summary="Invite someone by email",
    )
    def post(self, request: Request) -> Response:
        data = self.InvitationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = invitation_create(actor=current_membership(request), **data.validated_data)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailView(APIView):
    @extend_schema(responses={204: None}, summary="Revoke a pending invitation")
    def delete(self, request: Request, invitation_id: uuid.UUID) -> Response:
        invitation_revoke(actor=current_membership(request), invitation_id=invitation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(PublicEndpoint):
    class InvitationAcceptInput(serializers.Serializer):
        token = serializers.CharField(max_length=1024)
        name = serializers.CharField(max_length=150, required=False, allow_blank=True)
        password = serializers.CharField(max_length=1024, required=False, trim_whitespace=False)
        otp = serializers.CharField(
            max_length=32,
            required=False,
            allow_blank=True,
            help_text="TOTP code or a recovery code, when the invited person already has an "
            "account with two-factor on.",
        )

    class InvitationAcceptOutput(serializers.Serializer):
        organization = OrganizationRefSerializer()
        role = serializers.CharField()
        created_user = serializers.BooleanField()
        tokens = TokenPairSerializer()

    @extend_schema(
        request=InvitationAcceptInput,
        responses={200: InvitationAcceptOutput},
        auth=[],
        summary="Accept an invitation (creates the account or links an existing one)",
        description="403 `two_factor_required` when the organization requires two-factor "
        "authentication and the person has it off: the invitation is accepted and the "
        "membership made, but no tokens are issued; the person turns two-factor on "
        "(POST /api/v1/auth/totp-enrollment), then logs in.",
    )
    def post(self, request: Request) -> Response:
        data = self.InvitationAcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        throttling.hit("invitation_accept_ip", throttling.client_ip(request._request))
        result = invitation_accept(
            token=data.validated_data["token"],
            name=data.validated_data.get("name"),
            password=data.validated_data.get("password"),
            otp=data.validated_data.get("otp"),
        )
        return Response(
            {
                "organization": OrganizationRefSerializer(result.membership.organization).data,
                "role": result.membership.role,
                "created_user": result.created_user,
                "tokens": token_pair_data(result.tokens),
            }
        )
