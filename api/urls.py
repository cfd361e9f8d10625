from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from . import token_views
from .authentication import TokenAuthentication
from .views import Missing, customers, figures, work

app_name = "api"


def endpoint(view_class):
    # The API answers for itself (401 with a JSON body), never with a redirect to the login page
    # (Django REST framework marks its views so too; this says it where the URLs are).
    return login_not_required(view_class.as_view())


def page(view):
    """A page for signed-in staff, with Django's CSRF check, which REST framework turns off for
    its views (it checks sessions itself): the pages' rules, not the API's."""
    view = login_required(view)
    view.csrf_exempt = False
    return view


# The schema and its documentation are pages for signed-in staff.
READERS = {
    "authentication_classes": [SessionAuthentication, TokenAuthentication],
    "permission_classes": [IsAuthenticated],
}

v1 = [
    path("customers/", endpoint(customers.CustomerList), name="customers"),
    path("customers/<int:pk>/", endpoint(customers.CustomerDetail), name="customer"),
    path(
        "customers/<int:pk>/archive/",
        endpoint(customers.CustomerArchive),
        name="customer-archive",
    ),
    path(
        "customers/<int:pk>/interactions/",
        endpoint(customers.CustomerInteractions),
        name="customer-interactions",
    ),
    path(
        "customers/<int:pk>/follow-ups/",
        endpoint(work.CustomerFollowUps),
        name="customer-follow-ups",
    ),
    path("complaints/", endpoint(work.ComplaintList), name="complaints"),
    path("complaints/<int:pk>/", endpoint(work.ComplaintDetail), name="complaint"),
    path(
        "complaints/<int:pk>/transition/",
        endpoint(work.ComplaintTransition),
        name="complaint-transition",
    ),
    path("complaints/<int:pk>/remedy/", endpoint(work.ComplaintRemedy), name="complaint-remedy"),
    path("follow-ups/", endpoint(work.FollowUpList), name="follow-ups"),
    path("follow-ups/<int:pk>/done/", endpoint(work.FollowUpDone), name="follow-up-done"),
    path("reminders/", endpoint(work.ReminderList), name="reminders"),
    path("figures/", endpoint(figures.FiguresView), name="figures"),
]

urlpatterns = [
    path("api/v1/", include(v1)),
    path("api/schema/", page(SpectacularAPIView.as_view(**READERS)), name="schema"),
    path(
        "api/docs/",
        # Swagger UI sets styles on its elements from its script; its scripts stay the site's
        # own files. Only this page of signed-in staff allows inline styles.
        csp_update({"style-src": ["'unsafe-inline'"]})(
            page(SpectacularSwaggerSplitView.as_view(url_name="api:schema", **READERS))
        ),
        name="docs",
    ),
    re_path(r"^api/", endpoint(Missing), name="missing"),
    path("accounts/tokens/", token_views.token_list, name="tokens"),
    path("accounts/tokens/<int:pk>/revoke/", token_views.token_revoke, name="token-revoke"),
]
