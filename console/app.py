"""Console routes (placeholder until the console lands): everything under /console needs a login."""

from __future__ import annotations

from aiohttp import web

from bot.settings import Settings


def setup_console(app: web.Application, settings: Settings) -> None:
    """Register the console's routes on ``app``."""

    async def not_ready(request: web.Request) -> web.Response:
        return web.Response(status=503, text="Console en préparation.")

    app.router.add_get("/console", not_ready)
