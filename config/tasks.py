from celery import shared_task


@shared_task(name="config.echo", ignore_result=False, soft_time_limit=10, time_limit=15)
def echo(value: str) -> dict:
    """Return what it was given plus the worker's pid: proves a broker round trip."""
    import os

    return {"value": value, "pid": os.getpid()}
