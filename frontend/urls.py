from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import access, queue, review, staff

pages = [
    path("", review.home, name="home"),
    # Sellers (and staff, who see every seller's products).
    path("queue/", queue.queue, name="queue"),
    path("queue/decide/", queue.decide_selected, name="queue_decide"),
    path("queue/accept-across/", queue.accept_across, name="queue_accept_across"),
    path("products/<int:pk>/", review.product, name="product"),
    path("products/<int:pk>/next/", review.next_product, name="next_product"),
    path("products/<int:pk>/seen/", review.seen, name="product_seen"),
    path(
        "products/<int:pk>/suggestions/<int:suggestion_id>/accept/",
        review.decide,
        {"action": "accept"},
        name="accept",
    ),
    path(
        "products/<int:pk>/suggestions/<int:suggestion_id>/reject/",
        review.decide,
        {"action": "reject"},
        name="reject",
    ),
    path(
        "products/<int:pk>/suggestions/<int:suggestion_id>/correct/",
        review.decide,
        {"action": "correct"},
        name="correct",
    ),
    path("products/<int:pk>/accept-above/", review.accept_above, name="accept_above"),
    path("products/<int:pk>/attributes/<int:attribute_id>/reject-rest/", review.reject_rest, name="reject_rest"),
    path("products/<int:pk>/undo/", review.undo, name="undo"),
    # Staff.
    path("staff/", staff.overview, name="overview"),
    path("staff/overview/refresh/", staff.refresh_overview, name="refresh_overview"),
    path("staff/runs/", staff.runs, name="runs"),
    path("staff/runs/start/", staff.start_run, name="start_run"),
    path("staff/runs/<int:pk>/", staff.run_detail, name="run"),
    path("staff/runs/<int:pk>/progress.json", staff.run_progress, name="run_progress"),
    path("staff/runs/<int:pk>/cancel/", staff.cancel_run, name="cancel_run"),
    path("staff/versions/", staff.versions, name="versions"),
    path("staff/versions/<int:pk>/activate/", staff.activate_version, name="activate_version"),
    path("staff/versions/<int:pk>/scoring.json", staff.version_scoring, name="version_scoring"),
    path("staff/versions/roll-back/", staff.roll_back, name="roll_back"),
]

urlpatterns = [
    # Outside the namespace: settings.LOGIN_URL and LOGOUT_REDIRECT_URL name them "login".
    path("accounts/login/", access.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include((pages, "frontend"))),
]
