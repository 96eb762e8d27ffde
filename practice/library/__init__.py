"""The seeded practice library: realistic tickets, each reproducible on the sandbox.

Loaded into `PracticeScenario` rows by a data migration; leads edit the rows in the
admin afterwards. Every scenario is run end to end in the test suite (provisioned on
the sandbox, diagnosed by the real checks), so an expected code that the sandbox or
the checks stop producing fails a test instead of silently misleading trainees.
"""

from practice.library import funds, keys, streams

SCENARIOS: list[dict] = [*keys.SCENARIOS, *funds.SCENARIOS, *streams.SCENARIOS]
