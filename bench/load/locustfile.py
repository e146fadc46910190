"""A realistic mix against a running site: volunteers signing up and logging contacts,
coordinators browsing lists and the overview, API clients polling runs.

Driven by ``python -m bench.load`` (which seeds the accounts listed in LOAD_ACCOUNTS);
runs against 127.0.0.1 only.
"""

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"], encoding="utf-8").read())
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission" type="hidden" value="([^"]+)"')
_volunteers = itertools.cycle(ACCOUNTS["volunteers"])
_coordinators = itertools.cycle(ACCOUNTS["coordinators"])
_signups = itertools.count()


def _token(pattern, html: str) -> str:
    found = pattern.search(html)
    return found.group(1) if found else ""


class _Browser(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def log_in(self, phone: str, password: str) -> None:
        page = self.client.get("/auth/login", name="/auth/login")
        self.client.post("/auth/login", name="/auth/login [post]", data={
            "csrf_token": _token(CSRF, page.text), "phone": phone, "password": password})


class Volunteer(_Browser):
    weight = 5

    def on_start(self):
        account = next(_volunteers)
        self.pair_id = account["pair_id"]
        self.log_in(account["phone"], account["password"])

    @task(3)
    def my_page(self):
        self.client.get("/volunteers/me", name="/volunteers/me")

    @task(2)
    def log_contact(self):
        url = f"/followups/pairs/{self.pair_id}/contact"
        form = self.client.get(url, name="/followups/pairs/[id]/contact")
        self.client.post(url, name="/followups/pairs/[id]/contact [post]", data={
            "csrf_token": _token(CSRF, form.text), "submission": _token(SUBMISSION, form.text),
            "contact_date": ACCOUNTS["today"], "kind": "call", "duration_minutes": "15",
            "child_mood": "fine", "notes": "聊了学习情况"})


class SigningUp(_Browser):
    weight = 1

    @task
    def sign_up(self):
        form = self.client.get("/volunteers/signup", name="/volunteers/signup")
        n = next(_signups)
        self.client.post("/volunteers/signup", name="/volunteers/signup [post]", data={
            "csrf_token": _token(CSRF, form.text), "name": "韦丽华",
            "phone": f"1{random.choice('358')}{os.getpid() % 100:02d}{n:07d}",
            "password": "load-test-password", "gender": "F", "region_code": ACCOUNTS["county"],
            "skills": ["academic", "emotional"], "capacity": "2", "max_distance_km": "30",
            "child_gender": "any", "privacy_consent": "y", "availability": "周末",
            "motivation": "想帮助孩子"})


class Coordinator(_Browser):
    weight = 3

    def on_start(self):
        account = next(_coordinators)
        self.log_in(account["phone"], account["password"])

    @task(3)
    def overview(self):
        self.client.get("/", name="/ (overview)")

    @task(3)
    def children(self):
        page = random.randint(1, 50)
        self.client.get(f"/children/?page={page}", name="/children/?page=[n]")

    @task(1)
    def search_children(self):
        self.client.get("/children/?q=" + random.choice("黄韦李陆覃"), name="/children/?q=[name]")

    @task(2)
    def volunteers(self):
        self.client.get("/volunteers/", name="/volunteers/")

    @task(2)
    def pairs(self):
        self.client.get("/matching/pairs/", name="/matching/pairs/")

    @task(2)
    def follow_ups(self):
        self.client.get("/followups/", name="/followups/")


class ApiClient(HttpUser):
    weight = 1
    wait_time = between(1, 2)

    def on_start(self):
        self.client.headers["Authorization"] = f"Bearer {ACCOUNTS['api_token']}"

    @task(3)
    def poll_run(self):
        self.client.get(f"/api/v1/runs/{ACCOUNTS['run_id']}",
                        name="/api/v1/runs/[id]")

    @task(1)
    def children_page(self):
        self.client.get(f"/api/v1/children?page={random.randint(1, 50)}&per_page=50",
                        name="/api/v1/children?page=[n]")
