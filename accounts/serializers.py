from datetime import datetime

from rest_framework import serializers

from .roles import is_seller, is_staff_member, is_taxonomy_admin
from .tokens import expires_at


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    seller = serializers.CharField(source="seller.slug", read_only=True, allow_null=True)
    is_seller = serializers.SerializerMethodField()
    is_staff_member = serializers.SerializerMethodField()
    is_taxonomy_admin = serializers.SerializerMethodField()

    def get_is_seller(self, user) -> bool:
        return is_seller(user)

    def get_is_staff_member(self, user) -> bool:
        return is_staff_member(user)

    def get_is_taxonomy_admin(self, user) -> bool:
        return is_taxonomy_admin(user)


class CredentialsSerializer(serializers.Serializer):
    """A user name and password; DRF's CharField refuses NUL and lone surrogates by itself."""

    # As wide as AbstractUser.username; a longer one names no user.
    username = serializers.CharField(max_length=150, write_only=True)
    # Generous, but bounded: every character is hashed.
    password = serializers.CharField(max_length=4096, write_only=True, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(source="key")
    expires = serializers.SerializerMethodField()

    def get_expires(self, token) -> datetime:
        return expires_at(token)
