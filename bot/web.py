"""The web server next to the assistant: the widget and its demo page (``web/``) and the staff console.

Usage: ``python -m bot.web`` (``make run`` starts it); it listens on ``WEB_PORT`` (8000).
"""

from __future__ import annotations

from aiohttp import web

from bot.settings import REPO_ROOT, Settings

WEB_DIR = REPO_ROOT / "web"
SETTINGS = web.AppKey("settings", Settings)


def create_app(settings: Settings | None = None) -> web.Application:
    """The aiohttp application: static widget files, the demo page at ``/``, the console at ``/console``,
    the alerts' unsubscribe page at ``/alertes/desinscription/``.
    """
    settings = settings or Settings.from_env()
    app = web.Application()
    app[SETTINGS] = settings

    async def demo_page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_DIR / "demo" / "index.html")

    app.router.add_get("/", demo_page)
    app.router.add_static("/static/", WEB_DIR / "static", show_index=False)
    app.router.add_static("/demo/", WEB_DIR / "demo", show_index=False)

    from console.app import (
        setup_console,  # the console registers its own routes and login
    )

    setup_console(app, settings)
    from alerts.web import setup_alerts  # the unsubscribe links of the alert e-mails

    setup_alerts(app, settings)
    return app


def main() -> None:
    from bot import log_privacy

    settings = Settings.from_env()
    # The console runs Rasa in process: its logs must not carry what users wrote either.
    log_privacy.configure_embedded_rasa()
    web.run_app(create_app(settings), host="0.0.0.0", port=settings.web_port, print=None)


if __name__ == "__main__":
    main()
