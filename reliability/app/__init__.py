"""``reliability app``: a local web app for people who do not program.

Upload a CSV or Excel file, see its first rows and the layout found (Ofsted's
management-information files of both frameworks are recognised by their columns), choose
columns where the app is unsure, pick a question, read the report and download it (HTML,
PDF when Chromium is installed, CSV and JSON). Built on Starlette (ASGI) with Jinja2
templates, served by uvicorn on the loopback interface only; see docs/app.md.

* :func:`create_app` - the ASGI application (used by the tests, with any ASGI client);
* :func:`serve` - run it on 127.0.0.1 and open the browser.
"""

from reliability.app.server import create_app, serve

__all__ = ["create_app", "serve"]
