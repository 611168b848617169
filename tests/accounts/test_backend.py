"""The site's authentication backend (accounts/backends.py): permissions, the signed-in user."""
import pytest
from django.contrib.auth.models import Group, Permission

from accounts.backends import LockoutModelBackend
from accounts.roles import is_taxonomy_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def change_category():
    return Permission.objects.get(content_type__app_label="taxonomy", codename="change_category")


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # no permission cache


def test_a_permission_counts_whether_granted_to_the_user_or_to_one_of_their_groups(alice, bob, change_category):
    editors = Group.objects.create(name="editors")
    editors.permissions.add(change_category)
    alice.user_permissions.add(change_category)
    bob.groups.add(editors)
    for user in (alice, bob):
        assert is_taxonomy_admin(_fresh(user))
        assert _fresh(user).get_all_permissions() == {"taxonomy.change_category"}


def test_no_permission_without_a_grant_and_none_for_an_inactive_user(alice, bob, change_category):
    alice.user_permissions.add(change_category)
    assert not is_taxonomy_admin(_fresh(bob))
    alice.is_active = False
    alice.save()
    assert not is_taxonomy_admin(_fresh(alice)) and _fresh(alice).get_all_permissions() == set()


def test_a_superuser_has_every_permission(admin):
    assert _fresh(admin).get_all_permissions() == {
        f"{app}.{codename}" for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }


def test_the_permissions_are_read_in_one_query_and_kept_for_the_request(alice, change_category, django_assert_num_queries):
    alice.groups.add(Group.objects.create(name="editors"))
    user = _fresh(alice)
    with django_assert_num_queries(1):
        assert not user.has_perm("taxonomy.change_category")
        assert not user.has_perm("taxonomy.change_attribute")


def test_the_signed_in_user_is_read_with_their_seller_and_only_while_active(alice, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        user = LockoutModelBackend().get_user(alice.pk)
        assert user.seller.slug == alice.seller.slug
    alice.is_active = False
    alice.save()
    assert LockoutModelBackend().get_user(alice.pk) is None
