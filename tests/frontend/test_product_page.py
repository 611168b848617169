"""The product review page and its form actions."""
import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Decision, ProductLabel, Suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_browser(client, alice):
    client.force_login(alice)
    return client


def url(name, *args):
    return reverse(f"frontend:{name}", args=args)


def test_it_shows_the_product_escaped_with_highlights(alice_browser, sneaker, sneaker_suggestions):
    content = alice_browser.get(url("product", sneaker.pk)).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in content
    red = sneaker_suggestions["red"].pk
    # "ＲＥＤ" (full width) in the title and the alias "赤" in the description mark the red suggestion
    assert f'<mark data-suggestion="{red}">ＲＥＤ</mark>' in content
    assert f'<mark data-suggestion="{red}">赤</mark>' in content
    assert "Shoes" in content and "Sneakers" in content
    assert content.count('class="suggestion status-pending"') == 4


def test_it_offers_only_allowed_values_for_a_correction(alice_browser, sneaker, sneaker_suggestions):
    response = alice_browser.get(url("product", sneaker.pk))
    size = next(g for g in response.context["groups"] if g["attribute"].name == "Shoe size (cm)")
    choices = {s.value.name: [v.name for v in s.correction_choices] for s in size["suggestions"]}
    assert choices == {"26.0": ["25.0"], "25.0": ["26.0"]}


def test_other_sellers_get_404_everywhere(client, bob, sneaker, sneaker_suggestions):
    client.force_login(bob)
    red = sneaker_suggestions["red"]
    assert client.get(url("product", sneaker.pk)).status_code == 404
    assert client.get(url("next_product", sneaker.pk)).status_code == 404
    for name, args in [
        ("accept", (sneaker.pk, red.pk)),
        ("reject", (sneaker.pk, red.pk)),
        ("correct", (sneaker.pk, red.pk)),
        ("accept_above", (sneaker.pk,)),
        ("reject_rest", (sneaker.pk, red.value.attribute_id)),
        ("undo", (sneaker.pk,)),
    ]:
        assert client.post(url(name, *args), {"value": sneaker_suggestions["blue"].value_id, "min_score": 0}).status_code == 404
    assert not Decision.objects.exists()


def test_a_suggestion_of_another_product_is_404(alice_browser, sneaker, bobs_tv):
    tv_suggestion = bobs_tv.suggestions.get()
    assert alice_browser.post(url("accept", sneaker.pk, tv_suggestion.pk)).status_code == 404


def test_accepting_moves_focus_to_the_next_pending_suggestion(alice_browser, sneaker, sneaker_suggestions):
    s = sneaker_suggestions
    response = alice_browser.post(url("accept", sneaker.pk, s["red"].pk), {"queue": "sort=newest"})
    assert response.status_code == 302
    assert response["Location"] == f"{url('product', sneaker.pk)}?queue=sort%3Dnewest&focus={s['blue'].pk}"
    assert Suggestion.objects.get(pk=s["red"].pk).status == "accepted"
    page = alice_browser.get(response["Location"]).content.decode()
    assert "Accepted Color: red." in page


def test_it_corrects_through_the_form(alice_browser, sneaker, sneaker_suggestions, taxonomy):
    s = sneaker_suggestions
    alice_browser.post(url("correct", sneaker.pk, s["26"].pk), {"value": taxonomy.value("Shoe size (cm)", "25.0").pk})
    assert ProductLabel.objects.get(product=sneaker).value.name == "25.0"
    response = alice_browser.post(url("correct", sneaker.pk, s["red"].pk), {"value": "nonsense"}, follow=True)
    assert "Choose the value to use instead." in response.content.decode()
    response = alice_browser.post(
        url("correct", sneaker.pk, s["red"].pk), {"value": taxonomy.value("Material", "canvas").pk}, follow=True
    )
    assert "Choose another value of Color" in response.content.decode()


@pytest.fixture
def many_colours(taxonomy):
    """Colours enough that Color is corrected through a search box (Shoes allow every colour)."""
    from frontend.views.review import CORRECTION_SELECT_LIMIT
    from taxonomy.models import AttributeValue

    colour = taxonomy.value("Color", "red").attribute
    for i in range(CORRECTION_SELECT_LIMIT + 5):
        AttributeValue.objects.create(attribute=colour, name=f"shade {i:03d}", aliases=[f"Tint {i:03d}"])


def test_a_long_value_list_is_offered_once_per_attribute_behind_a_search_box(
        alice_browser, sneaker, sneaker_suggestions, many_colours):
    page = alice_browser.get(url("product", sneaker.pk)).content.decode()
    colour_id = sneaker_suggestions["red"].value.attribute_id
    # one datalist for the two Color suggestions; each has a search box tied to it
    assert page.count(f'<datalist id="values-{colour_id}">') == 1
    assert page.count(f'list="values-{colour_id}"') == 2
    assert page.count('<option value="shade 000">') == 1
    # the short Shoe size list stays a select
    assert f'<select name="value" id="correct-{sneaker_suggestions["26"].pk}"' in page


@pytest.mark.parametrize("typed", ["shade 007", "ＳＨＡＤＥ 007", "tint 007"])
def test_it_corrects_by_the_name_typed_in_the_search_box(
        alice_browser, sneaker, sneaker_suggestions, many_colours, typed):
    response = alice_browser.post(url("correct", sneaker.pk, sneaker_suggestions["red"].pk), {"value_name": typed},
                                  follow=True)
    assert "Corrected Color: red → shade 007." in response.content.decode()
    assert [label.value.name for label in ProductLabel.objects.filter(product=sneaker)] == ["shade 007"]


def test_a_typed_name_that_is_not_allowed_is_refused_by_name(alice_browser, sneaker, sneaker_suggestions, many_colours):
    response = alice_browser.post(url("correct", sneaker.pk, sneaker_suggestions["red"].pk),
                                  {"value_name": "canvas"}, follow=True)
    assert "“canvas” is not a value of Color that this category allows." in response.content.decode()
    assert Suggestion.objects.get(pk=sneaker_suggestions["red"].pk).status == "pending"
    assert not ProductLabel.objects.filter(product=sneaker).exists()


def test_deciding_twice_shows_a_message(alice_browser, sneaker, sneaker_suggestions):
    alice_browser.post(url("reject", sneaker.pk, sneaker_suggestions["red"].pk))
    response = alice_browser.post(url("accept", sneaker.pk, sneaker_suggestions["red"].pk), follow=True)
    assert "already been decided" in response.content.decode()


def test_bulk_actions_and_undo(alice_browser, sneaker, sneaker_suggestions):
    s = sneaker_suggestions
    alice_browser.post(url("accept_above", sneaker.pk), {"min_score": "0.8"})
    assert set(Suggestion.objects.filter(status="accepted").values_list("pk", flat=True)) == {s["red"].pk, s["26"].pk}
    alice_browser.post(url("reject_rest", sneaker.pk, s["red"].value.attribute_id))
    assert Suggestion.objects.get(pk=s["blue"].pk).status == "rejected"
    response = alice_browser.post(url("undo", sneaker.pk))
    assert response["Location"].endswith(f"focus={s['blue'].pk}")
    assert Suggestion.objects.get(pk=s["blue"].pk).status == "pending"
    response = alice_browser.post(url("accept_above", sneaker.pk), {"min_score": "7"}, follow=True)
    assert "between 0 and 1" in response.content.decode()


def test_undo_with_nothing_to_undo(alice_browser, sneaker, sneaker_suggestions):
    response = alice_browser.post(url("undo", sneaker.pk), follow=True)
    assert "There is no decision to undo." in response.content.decode()


def test_next_goes_to_the_head_of_the_queue_or_back_to_it(alice_browser, sneaker, sneaker_suggestions, seller_a, taxonomy, model_version):
    from .conftest import make_product, suggest

    other = make_product(seller_a, taxonomy.category("TVs"), "A-2", "Small TV")
    suggest(other, taxonomy.value("Screen size", "32 inch"), model_version, 0.6)
    response = alice_browser.get(url("next_product", sneaker.pk), {"queue": "sort=newest"})
    assert response["Location"] == f"{url('product', other.pk)}?queue=sort%3Dnewest"
    response = alice_browser.get(url("next_product", other.pk), {"queue": "min_score=0.99"})
    assert response["Location"] == f"{url('queue')}?min_score=0.99"


def test_every_form_needs_the_csrf_token(alice, sneaker, sneaker_suggestions):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(url("accept", sneaker.pk, sneaker_suggestions["red"].pk)).status_code == 403
    assert not Decision.objects.exists()
    page = client.get(url("product", sneaker.pk)).content.decode()
    assert page.count("<form") == page.count('name="csrfmiddlewaretoken"') + 1  # the dialog's method="dialog" form


def test_actions_need_post(alice_browser, sneaker, sneaker_suggestions):
    assert alice_browser.get(url("accept", sneaker.pk, sneaker_suggestions["red"].pk)).status_code == 405


def test_a_huge_stored_title_renders_with_bounded_highlighting(alice_browser, sneaker, sneaker_suggestions, monkeypatch):
    # given a product stored before the limits existed, with a 5 MB title
    from catalog.limits import MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS
    from frontend import highlight

    sneaker.title = "ＲＥＤ sneaker " * 400_000
    sneaker.description = "赤 " * 100_000
    sneaker.save()
    searched = []
    folded_with_offsets = highlight._folded_with_offsets
    monkeypatch.setattr(highlight, "_folded_with_offsets", lambda text: searched.append(len(text)) or folded_with_offsets(text))

    # when its page is viewed
    response = alice_browser.get(url("product", sneaker.pk))

    # then only the first characters are searched, and the whole text is there
    assert response.status_code == 200
    assert searched == [MAX_TITLE_CHARS, MAX_DESCRIPTION_CHARS]
    content = response.content.decode()
    assert content.count("ＲＥＤ") >= 400_000 and content.count("赤") >= 100_000
    assert content.count(f'<mark data-suggestion="{sneaker_suggestions["red"].pk}">') < 1_000


JSON = {"HTTP_ACCEPT": "application/json"}


def test_a_decision_asked_for_json_answers_the_updated_parts_of_the_page(alice_browser, sneaker, sneaker_suggestions):
    s = sneaker_suggestions
    response = alice_browser.post(url("accept", sneaker.pk, s["red"].pk), {"queue": "sort=newest"}, **JSON)
    assert response.status_code == 200
    data = response.json()
    assert (data["product_id"], data["focus"], data["pending_count"]) == (sneaker.pk, s["blue"].pk, 3)
    assert data["messages"] == [{"level": "success", "text": "Accepted Color: red.", "code": None}]
    assert f'id="s-{s["red"].pk}"' in data["parts"]["suggestion_groups"]
    assert "status-accepted" in data["parts"]["suggestion_groups"]
    assert "red" in data["parts"]["labels"] and "3 to review" in data["parts"]["pending_count"]
    assert "disabled" not in data["parts"]["undo_form"].split("<button")[1].split(">")[0]
    # the message went with the answer: the next page shown does not repeat it
    assert "Accepted Color: red." not in alice_browser.get(url("product", sneaker.pk)).content.decode()


def test_a_refusal_asked_for_json_is_a_message_and_keeps_the_suggestion(alice_browser, sneaker, sneaker_suggestions):
    s = sneaker_suggestions
    alice_browser.post(url("reject", sneaker.pk, s["red"].pk), **JSON)
    data = alice_browser.post(url("accept", sneaker.pk, s["red"].pk), **JSON).json()
    assert data["messages"][0]["level"] == "error" and "already been decided" in data["messages"][0]["text"]
    assert Suggestion.objects.get(pk=s["red"].pk).status == "rejected"
    assert alice_browser.post(url("accept", sneaker.pk, 10**9), **JSON).status_code == 404


@pytest.mark.parametrize("action, data", [("accept", {}), ("reject", {}), ("correct", {"value_name": "blue"})])
def test_a_decision_on_a_suggestion_withdrawn_meanwhile_is_refused_as_withdrawn(
        alice_browser, sneaker, sneaker_suggestions, action, data):
    # The page showed red pending; a re-score withdrew it before the key was pressed.
    red = sneaker_suggestions["red"]
    Suggestion.objects.filter(pk=red.pk).update(status="withdrawn")

    answer = alice_browser.post(url(action, sneaker.pk, red.pk), data, **JSON).json()

    [message] = answer["messages"]
    assert (message["level"], message["code"]) == ("error", "withdrawn")
    assert "no longer suggests this value" in message["text"] and "undo" not in message["text"]
    # the answer's cards show it as it is now: withdrawn, with nothing left to press
    card = answer["parts"]["suggestion_groups"].split(f'id="s-{red.pk}"')[1].split("</li>")[0]
    assert 'data-status="withdrawn"' in card and "<form" not in card
    assert Suggestion.objects.get(pk=red.pk).status == "withdrawn" and not Decision.objects.exists()


def test_a_refusal_names_its_reason_in_the_json_answer(alice_browser, sneaker, sneaker_suggestions):
    red = sneaker_suggestions["red"]
    alice_browser.post(url("reject", sneaker.pk, red.pk), **JSON)
    [message] = alice_browser.post(url("accept", sneaker.pk, red.pk), **JSON).json()["messages"]
    assert message["code"] == "not_pending"


def test_the_correction_list_starts_on_an_empty_choice_which_is_refused(alice_browser, sneaker, sneaker_suggestions):
    s = sneaker_suggestions
    page = alice_browser.get(url("product", sneaker.pk)).content.decode()
    select = page.split(f'id="correct-{s["26"].pk}" class="correct-choice">')[1]
    assert select.lstrip().startswith('<option value="" selected>')
    data = alice_browser.post(url("correct", sneaker.pk, s["26"].pk), {"value": ""}, **JSON).json()
    assert data["messages"] == [{"level": "error", "text": "Choose the value to use instead.", "code": None}]
    assert data["focus"] == s["26"].pk and Suggestion.objects.get(pk=s["26"].pk).status == "pending"


def test_the_correction_list_names_each_other_value_with_its_aliases(alice_browser, sneaker, sneaker_suggestions, taxonomy):
    s = sneaker_suggestions
    page = alice_browser.get(url("product", sneaker.pk)).content.decode()
    select = page.split(f'id="correct-{s["blue"].pk}" class="correct-choice">')[1].split("</select>")[0]
    black, red = taxonomy.value("Color", "black").pk, taxonomy.value("Color", "red").pk
    # the suggested value itself is no correction; an alias is shown beside its value
    assert select.split("</option>", 1)[1].strip() == (
        f'<option value="{black}">black</option><option value="{red}">red (coral, 赤)</option>'
    )


def test_the_search_box_list_offers_the_aliases(alice_browser, sneaker, sneaker_suggestions, many_colours):
    page = alice_browser.get(url("product", sneaker.pk)).content.decode()
    assert '<option value="Tint 007">shade 007</option>' in page


def test_a_corrected_card_shows_the_value_it_became(alice_browser, sneaker, sneaker_suggestions, taxonomy):
    s = sneaker_suggestions
    data = alice_browser.post(
        url("correct", sneaker.pk, s["26"].pk), {"value": taxonomy.value("Shoe size (cm)", "25.0").pk}, **JSON
    ).json()
    card = data["parts"]["suggestion_groups"].split(f'id="s-{s["26"].pk}"')[1].split("</li>")[0]
    assert '26.0 <span class="corrected-to">→ 25.0</span>' in card


def test_decided_suggestions_stay_marked_in_the_text(alice_browser, sneaker, sneaker_suggestions):
    red = sneaker_suggestions["red"].pk
    alice_browser.post(url("accept", sneaker.pk, red))
    content = alice_browser.get(url("product", sneaker.pk)).content.decode()
    assert f'<mark data-suggestion="{red}">ＲＥＤ</mark>' in content


@pytest.fixture
def alices_tv(seller_a, taxonomy, model_version):
    from .conftest import make_product, suggest

    tv = make_product(seller_a, taxonomy.category("TVs"), "A-9", "Small TV")
    return tv, suggest(tv, taxonomy.value("Screen size", "32 inch"), model_version, 0.6)


@pytest.mark.parametrize("action, data", [
    ("accept", {}), ("reject", {}), ("correct", {"value_name": "55 inch"}), ("correct", {}),
])
def test_a_sellers_own_suggestion_through_another_products_page_is_404(
        alice_browser, sneaker, sneaker_suggestions, alices_tv, action, data):
    _tv, on_tv = alices_tv
    response = alice_browser.post(url(action, sneaker.pk, on_tv.pk), data, HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert not Decision.objects.exists()
    assert Suggestion.objects.get(pk=on_tv.pk).status == "pending"


def test_undo_on_one_product_takes_back_the_newest_action_made_on_another(
        alice_browser, sneaker, sneaker_suggestions, alices_tv):
    tv, on_tv = alices_tv
    alice_browser.post(url("accept", tv.pk, on_tv.pk))
    # without JavaScript: the answer goes to the product the action was on, and says so
    response = alice_browser.post(url("undo", sneaker.pk), follow=True)
    assert response.redirect_chain[-1][0] == f"{url('product', tv.pk)}?focus={on_tv.pk}"
    assert "Undone: Screen size: 32 inch is pending again. (on product A-9)" in response.content.decode()
    assert Suggestion.objects.get(pk=on_tv.pk).status == "pending"
    # with it: the answer names and links the product
    alice_browser.post(url("accept", tv.pk, on_tv.pk))
    data = alice_browser.post(url("undo", sneaker.pk), **JSON).json()
    assert data["affected"] == {"product_id": tv.pk, "external_id": "A-9",
                                "url": f"{url('product', tv.pk)}?focus={on_tv.pk}"}


def test_next_leaves_out_the_products_seen_in_this_pass(
        alice_browser, sneaker, sneaker_suggestions, alices_tv, seller_a, taxonomy, model_version):
    from .conftest import make_product, suggest

    tv, _ = alices_tv
    pumps = make_product(seller_a, taxonomy.category("Shoes", "Women's shoes"), "A-8", "Pumps")
    suggest(pumps, taxonomy.value("Material", "leather"), model_version, 0.9)
    queue = {"HTTP_REFERER": "http://testserver" + url("queue")}
    # least certain first: the sneaker (0.55), the TV (0.6), the pumps (0.9)
    alice_browser.get(url("product", sneaker.pk), **queue)
    alice_browser.get(url("product", tv.pk))
    # from the TV, the head of the queue would be the sneaker again: it was seen
    assert alice_browser.get(url("next_product", tv.pk))["Location"] == url("product", pumps.pk)
    alice_browser.get(url("product", pumps.pk))
    assert alice_browser.get(url("next_product", pumps.pk))["Location"] == url("queue")
    # opening a product from the queue again starts a new pass
    alice_browser.get(url("product", tv.pk), **queue)
    assert alice_browser.get(url("next_product", tv.pk))["Location"] == url("product", sneaker.pk)


def test_a_prefetched_page_is_not_seen_until_its_script_says_so(
        alice_browser, sneaker, sneaker_suggestions, alices_tv):
    tv, _ = alices_tv
    response = alice_browser.get(url("product", sneaker.pk), HTTP_REFERER="http://testserver" + url("queue"))
    assert response.context["next_product_url"] == url("product", tv.pk) + "?pass=1"
    prefetched = alice_browser.get(url("product", tv.pk), {"pass": 1}, HTTP_SEC_PURPOSE="prefetch")
    assert b'data-prefetched="true"' in prefetched.content
    # cacheable, so that Chromium shows it for the navigation without asking again
    assert prefetched["Cache-Control"] == "private, max-age=300"
    # not seen yet: from the sneaker, "n" still goes to the TV
    assert alice_browser.get(url("next_product", sneaker.pk))["Location"] == url("product", tv.pk)
    seen = alice_browser.post(url("product_seen", tv.pk), {"queue": "", "state": prefetched.context["review_state"]})
    assert seen.json()["stale"] is False and "undo-form" in seen.json()["parts"]["undo_form"]
    assert alice_browser.get(url("next_product", sneaker.pk))["Location"] == url("queue")


def test_a_prefetched_page_whose_suggestions_were_decided_since_is_stale(alice_browser, alices_tv):
    tv, on_tv = alices_tv
    prefetched = alice_browser.get(url("product", tv.pk), {"pass": 1}, HTTP_SEC_PURPOSE="prefetch")
    state = prefetched.context["review_state"]
    alice_browser.post(url("reject", tv.pk, on_tv.pk), **JSON)  # decided meanwhile (another tab)
    seen = alice_browser.post(url("product_seen", tv.pk), {"queue": "", "state": state})
    assert seen.json()["stale"] is True
    # the page as it is now is not stale
    fresh = alice_browser.get(url("product", tv.pk)).context["review_state"]
    assert alice_browser.post(url("product_seen", tv.pk), {"queue": "", "state": fresh}).json()["stale"] is False


def test_a_decisions_answer_names_it_on_the_undo_button_reading_it_once(
        alice_browser, sneaker, sneaker_suggestions, django_assert_max_num_queries):
    s = sneaker_suggestions
    alice_browser.post(url("reject", sneaker.pk, s["blue"].pk), **JSON)
    with django_assert_max_num_queries(20) as queries:
        data = alice_browser.post(url("accept", sneaker.pk, s["red"].pk), **JSON).json()
    assert 'title="Undo accepting Color: red"' in data["parts"]["undo_form"]
    # the decision just made is the one to undo: the newest-decision query is not run again
    assert not [q for q in queries.captured_queries if "ORDER BY" in q["sql"] and '"catalog_decision"."created_at" DESC' in q["sql"]]
    # and after an undo, the button names the decision before it, read from the database
    data = alice_browser.post(url("undo", sneaker.pk), **JSON).json()
    assert 'title="Undo rejecting Color: blue"' in data["parts"]["undo_form"]
