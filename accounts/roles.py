"""The three roles of Zokusei, in one place so pages, API and admin agree on them."""


def is_staff_member(user) -> bool:
    """Staff see every seller's products and start training runs."""
    return bool(user and user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def is_taxonomy_admin(user) -> bool:
    """Admins edit the attribute taxonomy (superusers, or users granted the change permission)."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm("taxonomy.change_category"))
    )


def is_seller(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.seller_id is not None)
