from django.urls import path

from .api import MeView, TokenView

urlpatterns = [
    # POST username and password: {"token", "expires"} for the `Authorization: Token ...` header;
    # DELETE: revoke your own token.
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
]
