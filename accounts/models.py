from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person using Zokusei.

    Roles (see accounts/roles.py): a *seller* user belongs to one seller and sees only that
    seller's products; *staff* (`is_staff`) see every product and run training; *admins*
    (`is_superuser`) also edit the taxonomy.
    """

    seller = models.ForeignKey(
        "catalog.Seller",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
        help_text="The seller this user works for; their products are the only ones they see.",
    )
