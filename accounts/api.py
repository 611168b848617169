from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import lockout
from .serializers import CredentialsSerializer, MeSerializer, TokenSerializer
from .tokens import issue_token, revoke_token


class MeView(APIView):
    """The signed-in user and their roles."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class TokenView(APIView):
    """POST a user name and password for a new API token (replacing the one you had), used as
    `Authorization: Token <token>` until it expires; DELETE revokes your own token."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        description="A new token for this user name and password; the user's earlier token stops working.",
        request=CredentialsSerializer,
        responses={200: TokenSerializer, 400: OpenApiResponse(description="wrong user name or password"),
                   429: OpenApiResponse(description="too many failed sign-ins: locked for a while (Retry-After)")},
    )
    def post(self, request):
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        username, password = credentials.validated_data["username"], credentials.validated_data["password"]
        seconds = lockout.seconds_locked(request, username)
        if seconds:
            raise Throttled(wait=seconds, detail=lockout.locked_out_message(seconds))
        user = authenticate(request, username=username, password=password)
        if user is None:
            raise ValidationError({"non_field_errors": [_("Unable to log in with provided credentials.")]}, code="authorization")
        lockout.forget_failures(username)
        return Response(TokenSerializer(issue_token(user)).data)

    @extend_schema(description="Revoke your own token.", request=None, responses={204: None})
    def delete(self, request):
        revoke_token(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
