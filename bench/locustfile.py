"""Locust: sellers reviewing their queues at the same time (issue 15, "Review queue under load").

Run through bench/load_test.py, which starts gunicorn on a catalogue made by
bench/load_review_data.py and reads the figures back; by hand:

    ZOKUSEI_LOAD_PLAN=/tmp/plan.json locust -f bench/locustfile.py --headless \\
        --host http://127.0.0.1:8001 -u 20 -r 5 -t 60s

Each simulated user is one seller's reviewer (the plan file, written by the loader, names the
sellers, their size class and, from their own products, categories and title words to filter
by). A reviewer goes round this loop, with a keyboard user's pause between steps:

1. opens their queue: one of the three sorts, alone, with a category of theirs, or with a word
   of one of their titles as the search;
2. opens the first product, and the page prefetches the next one (as the page's <link
   rel="prefetch"> does in the browser);
3. decides the first pending suggestion by keyboard: accept, reject or correct (to another
   allowed value), the page asking for JSON as its script does;
4. undoes that decision;
5. goes to the next product: shown from the prefetch, then the page tells the server it was
   seen (the `n` key in the browser).

With `bench/load_test.py --staff` one member of staff works beside them (`StaffMember`): the
overview, the training runs and the model versions, one after another, a pause between pages,
as someone following the reviewers' progress would.

Requests are named by the seller's size class (large, medium, small: under 100 products) so
that the small sellers' queues are compared with the big ones'. A request whose answer is not
what the page needs (no product link, no suggestion to decide, a JSON answer without its
parts) is reported as a failure, so "zero errors" means the reviewers could do their work.
One refusal is not: a decision on a suggestion that a re-score withdrew between the page and
the key (`--while-rescoring`; the answer says so, with the page's current suggestions). It is
the right answer, and each is counted on a line of its own, "… withdrawn meanwhile".
"""
import itertools
import json
import os
import random
import re
from html import unescape
from urllib.parse import urlencode

from locust import HttpUser, SequentialTaskSet, between, events, task

PLAN = json.loads(open(os.environ["ZOKUSEI_LOAD_PLAN"], encoding="utf-8").read())
SORTS = ("uncertain", "confident", "newest")
# Users take the plan's reviewers in turn, so that every size class is in every run.
_next_reviewer = itertools.count()
_environment = None

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PRODUCT_LINK = re.compile(r'class="product-link" href="/products/(\d+)/')
DECIDE_FORM = re.compile(r'action="/products/(\d+)/suggestions/(\d+)/accept/"')
NEXT_URL = re.compile(r'data-next-product-url="([^"]*)"')
STATE = re.compile(r'data-state="([^"]*)"')


def _correction_for(page: str, product_id: str, suggestion_id: str) -> dict | None:
    """The form fields of a correction of this suggestion: a listed value, else a typed one
    from the attribute's search list (attributes with many values), else None."""
    start = page.find(f'action="/products/{product_id}/suggestions/{suggestion_id}/correct/"')
    if start < 0:
        return None
    form = page[start : page.find("</form>", start)]
    listed = re.search(r'name="value_name"[^>]*list="(values-\d+)"', form)
    if listed:
        datalist = re.search(rf'<datalist id="{listed.group(1)}">(.*?)</datalist>', page, re.S)
        # Options are a value with its aliases as text, or an alias with its value as text:
        # leave out the suggested value itself and its aliases (that is no correction).
        card = re.search(rf'id="s-{suggestion_id}".*?<span class="value">([^<]*)', page, re.S)
        own = card.group(1).strip() if card else None
        options = re.findall(r'<option value="([^"]+)">([^<]*)</option>', datalist.group(1)) if datalist else []
        names = [name for name, text in options if own not in (name, text.strip()) and own not in text.split(", ")]
        return {"value_name": unescape(random.choice(names))} if names else None
    values = re.findall(r'<option value="(\d+)">', form)
    return {"value": random.choice(values)} if values else None


class ReviewRound(SequentialTaskSet):
    def on_start(self):
        self.product_id = None
        self.page = ""
        self.queue = ""

    @property
    def size(self):
        return self.user.reviewer["size"]

    def _json_headers(self, path):
        """What the page's script sends with a form it posts for a JSON answer."""
        return {"Accept": "application/json", "X-CSRFToken": self.user.csrf, "Referer": self.user.host + path}

    def _post_json(self, path, data, name):
        data = {"csrfmiddlewaretoken": self.user.csrf, "queue": self.queue, **data}
        with self.client.post(path, data=data, headers=self._json_headers(path), name=name,
                              catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return None
            try:
                answer = response.json()
            except ValueError:
                response.failure("not JSON")
                return None
            if "parts" not in answer:
                response.failure("JSON without the page's parts")
                return None
            refusals = [m for m in answer.get("messages", []) if m.get("level") == "error"]
            if refusals and all(m.get("code") == "withdrawn" for m in refusals):
                events.request.fire(request_type="NOTE", name=f"[{self.size}] decision withdrawn meanwhile",
                                    response_time=0, response_length=0, exception=None, context={})
                return None
            errors = [m["text"] for m in refusals]
            if errors:
                response.failure(f"refused: {errors[0]}")
                return None
            return answer

    @task
    def open_queue(self):
        reviewer = self.user.reviewer
        sort = random.choice(SORTS)
        params = {"sort": sort}
        variant = random.choice(("all", "category", "search"))
        if variant == "category" and reviewer["categories"]:
            params["category"] = random.choice(reviewer["categories"])
        elif variant == "search" and reviewer["words"]:
            params["q"] = random.choice(reviewer["words"])
        else:
            variant = "all"
        self.queue = urlencode(params)
        name = f"[{self.size}] queue {sort}" + ("" if variant == "all" else f" + {variant}")
        with self.client.get(f"/queue/?{self.queue}", name=name, catch_response=True) as response:
            links = PRODUCT_LINK.findall(response.text) if response.status_code == 200 else []
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            self.product_id = links[0] if links else None
        if self.product_id is None and variant != "all":
            # Nothing pending matches this filter any more: the plain queue instead.
            self.queue = urlencode({"sort": sort})
            with self.client.get(f"/queue/?{self.queue}", name=f"[{self.size}] queue {sort}",
                                 catch_response=True) as response:
                links = PRODUCT_LINK.findall(response.text)
                if not links:
                    response.failure("the queue shows no product")
                self.product_id = links[0] if links else None

    @task
    def open_product(self):
        if self.product_id is None:
            return self.interrupt(reschedule=False)
        self._open(f"/products/{self.product_id}/?{urlencode({'queue': self.queue})}", f"[{self.size}] product")

    def _open(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                self.page = ""
                return
            self.page = response.text
        next_url = NEXT_URL.search(self.page)
        self.next_url = unescape(next_url.group(1)) if next_url else ""
        if self.next_url:
            # The page's <link rel="prefetch">: the browser fetches the next product at once.
            with self.client.get(self.next_url, name=f"[{self.size}] product (prefetch)", catch_response=True,
                                 headers={"Sec-Purpose": "prefetch"}) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
                self.prefetched = response.text if response.status_code == 200 else ""

    @task
    def decide(self):
        forms = DECIDE_FORM.findall(self.page)
        if not forms:
            # Every suggestion of this product was decided by someone else meanwhile.
            return
        product_id, suggestion_id = forms[0]
        action = random.choice(("accept", "reject", "correct"))
        data = {}
        if action == "correct":
            data = _correction_for(self.page, product_id, suggestion_id)
            if data is None:
                action, data = "accept", {}
        self.decided = self._post_json(
            f"/products/{product_id}/suggestions/{suggestion_id}/{action}/", data, f"[{self.size}] decide {action}"
        )

    @task
    def undo(self):
        if not getattr(self, "decided", None) or not self.product_id:
            return
        self._post_json(f"/products/{self.product_id}/undo/", {}, f"[{self.size}] undo")

    @task
    def next_product(self):
        if not self.next_url or not getattr(self, "prefetched", ""):
            return self.interrupt(reschedule=False)
        # `n` shows the prefetched page; its script tells the server it was seen.
        self.page = self.prefetched
        match = re.search(r"/products/(\d+)/", self.next_url)
        self.product_id = match.group(1)
        state = STATE.search(self.page)
        self._post_seen(state.group(1) if state else "")
        self.interrupt(reschedule=False)

    def _post_seen(self, state):
        path = f"/products/{self.product_id}/seen/"
        with self.client.post(path, data={"state": state, "queue": self.queue}, headers=self._json_headers(path),
                              name=f"[{self.size}] seen", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


_signed_in = itertools.count(1)


@events.init.add_listener
def _remember_environment(environment, **kwargs):
    global _environment
    _environment = environment


def _all_signed_in():
    """The statistics start once every reviewer has signed in: a sign-in hashes a password on
    purpose (PBKDF2, about a second of CPU here), and 20 of them at once would fill the first
    seconds' pages with their wait. Sign-in has no goal of its own."""
    _environment.runner.stats.reset_all()


def _sign_in(user, username):
    """Sign `user`'s session in as `username`; keeps the CSRF token the pages' forms need."""
    page = user.client.get("/accounts/login/", name="sign in page")
    token = CSRF_INPUT.search(page.text)
    with user.client.post(
        "/accounts/login/",
        data={"csrfmiddlewaretoken": token.group(1) if token else "", "username": username,
              "password": PLAN["password"]},
        headers={"Referer": user.host + "/accounts/login/"},
        name="sign in",
        catch_response=True,
    ) as response:
        if "/accounts/login/" in response.url:
            response.failure(f"sign-in refused for {username}")
    user.csrf = user.client.cookies.get("csrftoken", "")
    if next(_signed_in) == _environment.parsed_options.num_users:
        _all_signed_in()


class Reviewer(HttpUser):
    wait_time = between(0.3, 1.5)  # a keyboard reviewer reading a card before the next key
    tasks = [ReviewRound]

    def on_start(self):
        reviewers = PLAN["reviewers"]
        self.reviewer = reviewers[next(_next_reviewer) % len(reviewers)]
        _sign_in(self, self.reviewer["username"])


STAFF_PAGES = (("/staff/", "[staff] overview"), ("/staff/runs/", "[staff] runs"), ("/staff/versions/", "[staff] versions"))


class StaffMember(HttpUser):
    """One member of staff (named on Locust's command line only with `load_test.py --staff`)."""

    fixed_count = 1
    wait_time = between(1, 3)  # reading the figures before the next page

    def on_start(self):
        _sign_in(self, PLAN["staff"])

    @task
    def read_the_staff_pages(self):
        for path, name in STAFF_PAGES:
            with self.client.get(path, name=name, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
                elif "/accounts/login/" in response.url:
                    response.failure("signed out")
            self.wait()
