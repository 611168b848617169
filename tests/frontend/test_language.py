"""English and Japanese: from Accept-Language, switched with set_language; the demo banner."""
import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_speaks_japanese_to_a_japanese_browser(client, alice, sneaker, sneaker_suggestions):
    client.force_login(alice)
    page = client.get(reverse("frontend:product", args=[sneaker.pk]), HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5")
    content = page.content.decode()
    assert '<html lang="ja">' in content and "承認" in content and "未確認 4 件" in content


def test_the_switch_sets_the_language(client, alice):
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "ja", "next": reverse("frontend:queue")})
    assert "レビュー待ち" in client.get(reverse("frontend:queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_login_page_is_translated(client):
    assert "ログイン" in client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()


def test_the_demo_banner_shows_in_demo_mode(client, alice):
    client.force_login(alice)
    with override_settings(ZOKUSEI_DEMO=True):
        assert "synthetic demo data" in client.get(reverse("frontend:queue")).content.decode()
    assert "synthetic demo data" not in client.get(reverse("frontend:queue")).content.decode()


def test_sign_in_and_out(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-password"})
    assert response.status_code == 302
    assert client.get(reverse("frontend:home"))["Location"] == reverse("frontend:queue")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("frontend:queue")).status_code == 302


def test_no_message_is_left_out_of_the_japanese_catalogue_as_fuzzy():
    """msgfmt leaves fuzzy entries out of django.mo: such a message would show in English."""
    from pathlib import Path

    from django.utils import translation

    po = Path(__file__).resolve().parents[2] / "frontend" / "locale" / "ja" / "LC_MESSAGES" / "django.po"
    assert "fuzzy" not in po.read_text(encoding="utf-8")
    with translation.override("ja"):
        assert translation.gettext("Undone: %(count)d suggestions are pending again.").startswith("取り消しました")
        assert translation.ngettext("Search %(counter)s value", "Search %(counter)s values", 40) == "%(counter)s 件の値から検索"


def test_the_sign_in_lockout_is_explained_in_japanese(client, alice):
    for _ in range(5):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="ja")

    page = client.post(reverse("login"), {"username": "alice", "password": "alice-password"}, HTTP_ACCEPT_LANGUAGE="ja")

    assert page.status_code == 429
    assert "サインイン失敗が多すぎます" in page.content.decode()


@pytest.mark.parametrize("stage, status, error, shown", [
    ("train", "running", "", "学習中"),
    ("thresholds", "running", "", "しきい値を調整中"),
    ("done", "succeeded", "", "完了"),
    ("cancelled", "cancelled", "cancelled by staff", "スタッフが取り消しました"),
    ("failed", "failed", "the run lost its worker 3 times (killed, out of memory?); the active model version is unchanged",
     "ワーカーを 3 回失いました"),
])
def test_run_stages_statuses_and_reasons_are_shown_in_japanese(client, staff, stage, status, error, shown):
    import re

    from ml.models import TrainingRun

    run = TrainingRun.objects.create(status=status, stage=stage, error=error)
    client.force_login(staff)
    page = client.get(reverse("frontend:run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    progress = client.get(reverse("frontend:run_progress", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="ja").json()

    assert shown in page and shown in progress["stage_display"] + progress["error_display"]
    # No identifier of the code (a stage, a status, a field name) is left in the page's text.
    text = re.sub(r"<script.*?</script>|<[^>]+>", " ", page.split("<main", 1)[1], flags=re.DOTALL)
    assert not re.search(rf"\b({stage}|{status}|model_version)\b", text), text
