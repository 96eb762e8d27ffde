import pytest

pytest_plugins = [
    "tests.fixtures.worker",
    "tests.fixtures.users",
]


@pytest.fixture(autouse=True)
def _media_and_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
