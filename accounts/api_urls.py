from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from .api import MeView

urlpatterns = [
    # POST username and password; answers {"token": ...} for the `Authorization: Token ...` header.
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
]
