from django.core.management.base import BaseCommand

from triage.demo import seed_demo_cases, seed_demo_users


class Command(BaseCommand):
    help = "Create the demo users (agent, lead) and demo cases idempotently; print the logins."

    def handle(self, *args, **options):
        logins = seed_demo_users()
        for username, password in logins.items():
            self.stdout.write(f"  {username:<6} {password}")
        created = seed_demo_cases()
        if created:
            self.stdout.write(f"  demo cases: {', '.join(created)}")
