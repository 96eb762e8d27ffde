"""Simulated support agents for `make loadtest` (run by `python -m loadtest`, not directly).

Each simulated agent logs in with its own account, then, with 1–3 s of think time between
actions: opens case pages and the team case list, sets checklist items through htmx,
and runs diagnostics on a case (the run form POST, then the run page's htmx poll).
Every response must have the expected status; anything else is a failure. Response
times are recorded per request name and written to LOADTEST_SAMPLES when the run ends.
"""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import HttpUser, between, events, task

DATA = json.loads(open(os.environ["LOADTEST_DATA"]).read())  # noqa: SIM115
USERS = itertools.cycle(DATA["users"])
CASES = DATA["cases"]
RUN = DATA["run"]
SAMPLES: dict[str, list[float]] = {}


@events.request.add_listener
def _record(request_type, name, response_time, exception=None, **kwargs):
    if exception is None:
        SAMPLES.setdefault(name, []).append(response_time)


@events.quitting.add_listener
def _write(environment, **kwargs):
    stats = environment.stats
    failures = [{"name": e.name, "method": e.method, "error": str(e.error),
                 "occurrences": e.occurrences} for e in stats.errors.values()]
    with open(os.environ["LOADTEST_SAMPLES"], "w") as out:
        json.dump({"samples": SAMPLES, "failures": failures,
                   "requests": stats.total.num_requests,
                   "failed": stats.total.num_failures}, out)


class Agent(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        username, password = next(USERS)
        self.client.get("/login/", name="login page")
        with self.client.post(
            "/login/", name="login",
            data={"username": username, "password": password,
                  "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
            catch_response=True,
        ) as response:
            if "/login/" in response.url:
                response.failure(f"login failed for {username}")

    def _htmx_headers(self, target: str) -> dict:
        return {"HX-Request": "true", "HX-Target": target,
                "X-CSRFToken": self.client.cookies.get("csrftoken", "")}

    @task(4)
    def open_case(self):
        case = random.choice(CASES)
        self.client.get(f"/cases/{case['pk']}/", name="page: case")

    @task(1)
    def case_list(self):
        status = random.choice(["open", "diagnosing", ""])
        self.client.get("/cases/", params={"scope": "team", "status": status},
                        name="page: case list")

    @task(4)
    def set_checklist_item(self):
        case = random.choice(CASES)
        item = random.choice(case["items"])
        state = random.choice(["pass", "fail", "na", "pending"])
        self.client.post(f"/cases/{case['pk']}/items/{item}/", data={"state": state},
                         headers=self._htmx_headers(f"item-{item}"),
                         name="htmx: checklist item")

    @task(1)
    def run_diagnostics(self):
        case = random.choice(CASES)
        data = dict(RUN, csrfmiddlewaretoken=self.client.cookies.get("csrftoken", ""))
        with self.client.post(f"/diagnostics/cases/{case['pk']}/runs/new/", data=data,
                              name="page: run diagnostics (POST → run page)",
                              catch_response=True) as response:
            if "/diagnostics/runs/" not in response.url:
                response.failure(f"no run page after the POST (HTTP {response.status_code})")
                return
            run_url = response.url.split("://", 1)[-1].split("/", 1)[-1]
        self.client.get(f"/{run_url}", headers=self._htmx_headers("run-progress"),
                        name="htmx: run progress poll")
