from aiohttp import web


def register(app: web.Application, *args) -> None:
    pass
