"""The two roles of the product, as Django groups created by a migration."""

AGENTS = "Agents"
TEAM_LEADS = "Team leads"


def is_lead(user) -> bool:
    return bool(user.is_authenticated and user.groups.filter(name=TEAM_LEADS).exists())
