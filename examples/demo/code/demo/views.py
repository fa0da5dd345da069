from django.conf import settings
from django.http import HttpResponse


def index(request):
    """The marker tells tests which settings the running gunicorn loaded."""
    return HttpResponse(f"demo marker={settings.DEMO_MARKER}\n", content_type="text/plain")


def visit(request):
    """Writes a session, like any site with logins does."""
    request.session["visits"] = request.session.get("visits", 0) + 1
    return HttpResponse(f"visits={request.session['visits']}\n", content_type="text/plain")
