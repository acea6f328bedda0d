"""A minimal Django project for tests/integrations/test_django.py: settings, views, URLs."""

from __future__ import annotations

import threading
from typing import Any

import django
from django.conf import settings
from django.urls import include, path, re_path

TEMPLATES = {
    "page.html": "<h1>{{ title }}</h1>{% include 'part.html' %}",
    "part.html": "<p>{{ title|upper }}</p>",
}
USER_LOADS: list[str] = []  # every time a request's lazy user is loaded
OVERLAP: list[threading.Barrier] = []  # set by a test: requests wait for each other


def configure() -> None:
    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        SECRET_KEY="sentry-lite-tests",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="sl_django_urls",
        INSTALLED_APPS=[],
        MIDDLEWARE=[
            "django.middleware.common.CommonMiddleware",
            "sl_django_urls.HeaderLoginMiddleware",
            "sl_django_urls.plain_middleware",
        ],
        # one in-memory SQLite database per thread's connection (the views make their tables)
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", TEMPLATES)]},
            }
        ],
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    django.setup()


class User:
    is_authenticated = True

    def __init__(self, user_id: str) -> None:
        self.pk = int(user_id)
        self.email = f"user{user_id}@example.com"

    def get_username(self) -> str:
        return f"user{self.pk}"


class HeaderLoginMiddleware:
    """A stand-in for AuthenticationMiddleware: a lazy ``request.user`` from X-Login."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        from django.utils.functional import SimpleLazyObject

        user_id = request.headers.get("X-Login")
        if user_id:

            def load() -> User:
                USER_LOADS.append(user_id)
                return User(user_id)

            request.user = SimpleLazyObject(load)
        return self.get_response(request)

    def process_view(self, request: Any, view: Any, args: Any, kwargs: Any) -> None:
        return None


class AsyncOnlyMiddleware:
    """Asynchronous only: under ASGI the stack below it stays asynchronous."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        from asgiref.sync import markcoroutinefunction

        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request: Any) -> Any:
        request.passed_async_middleware = True
        return await self.get_response(request)

    async def process_view(self, request: Any, view: Any, args: Any, kwargs: Any) -> None:
        return None


def plain_middleware(get_response: Any) -> Any:
    def middleware(request: Any) -> Any:
        return get_response(request)

    return middleware


class Boom(Exception):
    pass


def boom(request: Any) -> Any:
    raise Boom("the view raised")


def user_view(request: Any, user_id: int) -> Any:
    import sentry_lite

    sentry_lite.set_user({"id": str(user_id)})
    sentry_lite.set_tag("request.user", str(user_id))
    if OVERLAP:
        OVERLAP[0].wait(10)  # every request is inside the view at once
    raise Boom(f"failed for {user_id}")


def article(request: Any, year: str) -> Any:
    raise Boom(f"no articles in {year}")


def page(request: Any) -> Any:
    from django.shortcuts import render

    return render(request, "page.html", {"title": "hello"})


def fine(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse("fine")


def logged_in(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse("user is not loaded by this view")


def unavailable(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse("later", status=503)


def submit(request: Any) -> Any:
    raise Boom("could not submit")


api = [path("items/<slug:item>/", boom)]
def orders(request: Any) -> Any:
    from django.db import connection
    from django.http import HttpResponse

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS orders (id INTEGER, total INTEGER)")
        cursor.executemany("INSERT INTO orders VALUES (%s, %s)", [(1, 10), (2, 20)])
        cursor.execute("SELECT total FROM orders WHERE id = %s", [2])
        (total,) = cursor.fetchone()
        if request.GET.get("fail"):
            cursor.execute("SELECT nothing FROM missing_table")
    return HttpResponse(str(total))


urlpatterns = [
    path("orders/", orders),
    path("boom/", boom),
    path("users/<int:user_id>/", user_view),
    re_path(r"^articles/(?P<year>[0-9]{4})/$", article),
    path("api/v1/", include(api)),
    path("page/", page),
    path("fine/", fine),
    path("logged-in/", logged_in),
    path("unavailable/", unavailable),
    path("submit/", submit),
]
