"""The API's views, by what they are about; ``Missing`` answers for every other /api/ path."""

from rest_framework import exceptions, permissions
from rest_framework.views import APIView


class Missing(APIView):
    """Any path under /api/ that names no endpoint: a JSON 404, as the API answers everything."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []
    schema = None

    def dispatch(self, request, *args, **kwargs):
        # Every method, so a client learns the path is wrong rather than the method.
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()
