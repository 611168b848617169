"""Who may open which page: sign-in for everything, staff for the staff pages."""
from functools import wraps

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.forms import LockoutAuthenticationForm
from accounts.roles import is_staff_member


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class SignInView(auth_views.LoginView):
    """Django's sign-in page with the lockout (accounts/lockout.py): a locked-out client gets
    the page again with how long the lock lasts, as 429 Too Many Requests."""

    template_name = "frontend/login.html"
    authentication_form = LockoutAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked_seconds:
            response.status_code = 429
            response["Retry-After"] = str(form.locked_seconds)
        return response
