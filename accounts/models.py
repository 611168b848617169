from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class LoginFailures(models.Model):
    """Failed sign-ins of one user name, or from one client address, within a fixed window
    (accounts/lockout.py). In the database, not a per-process cache, so that every web worker
    counts the same failures; deleting a row in the admin lifts its lock."""

    class Scope(models.TextChoices):
        USERNAME = "username", "user name"
        ADDRESS = "address", "client address"

    scope = models.CharField(max_length=8, choices=Scope.choices)
    # User names are at most 150 characters (AbstractUser); longer guesses are cut to that.
    value = models.CharField(max_length=150)
    count = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(help_text="The first failure of the window; the lock ends a lockout period after it.")

    class Meta:
        verbose_name = _("sign-in failures")
        verbose_name_plural = _("sign-in failures")
        constraints = [models.UniqueConstraint(fields=["scope", "value"], name="login_failures_one_row_per_key")]

    def __str__(self):
        return f"{self.count} failed sign-ins for {self.get_scope_display()} {self.value}"
