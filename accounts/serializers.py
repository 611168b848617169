from rest_framework import serializers

from .roles import is_seller, is_staff_member, is_taxonomy_admin


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
