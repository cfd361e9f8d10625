"""The dashboard's figures, read-only, for managers."""

import datetime

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings

from front import dashboard
from voice import selectors as voice_selectors

from ..permissions import ManagersOnly
from ..validation import refuse


class StaffFigures(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    checkins_due = serializers.IntegerField()
    checkins_overdue = serializers.IntegerField()
    checkin_adherence = serializers.FloatField(source="adherence", allow_null=True)
    promises_kept = serializers.FloatField(allow_null=True)
    open_complaints = serializers.IntegerField()


class Figures(serializers.Serializer):
    period_days = serializers.IntegerField()
    since = serializers.DateField()
    complaints_response_within_target = serializers.FloatField(allow_null=True)
    complaints_resolution_within_target = serializers.FloatField(allow_null=True)
    complaints_open_by_severity = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField())
    )
    perceived_quality = serializers.FloatField(
        allow_null=True,
        help_text="% of contacts that exceeded expectations, minus % that fell short",
    )
    interactions_by_kind = serializers.DictField(child=serializers.IntegerField())
    recovered_complaints = serializers.IntegerField()
    resolved_complaints = serializers.IntegerField()
    staff = StaffFigures(many=True)


class FiguresView(generics.GenericAPIView):
    """The manager dashboard's figures over the last 30, 90 or 365 days."""

    serializer_class = Figures
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, ManagersOnly]
    pagination_class = None

    @extend_schema(parameters=[OpenApiParameter("period", int, enum=list(dashboard.PERIODS))])
    def get(self, request):
        raw = request.query_params.get("period", "30")
        if raw not in {str(days) for days in dashboard.PERIODS}:
            refuse({"period": [f"Choose one of {', '.join(map(str, dashboard.PERIODS))} days."]})
        period = int(raw)
        now = timezone.now()
        today = timezone.localdate(now)
        start = today - datetime.timedelta(days=period)
        complaints = dashboard.complaint_figures(now, start)
        interactions = dashboard.interaction_figures(start, today)
        recovered, resolved = voice_selectors.recovery_rate(start)
        figures = {
            "period_days": period,
            "since": start,
            "complaints_response_within_target": complaints.response_within_target,
            "complaints_resolution_within_target": complaints.resolution_within_target,
            "complaints_open_by_severity": complaints.by_severity,
            "perceived_quality": interactions.quality_overall,
            "interactions_by_kind": {
                kind: sum(counts) for kind, counts in interactions.by_kind.items()
            },
            "recovered_complaints": recovered,
            "resolved_complaints": resolved,
            "staff": dashboard.staff_rows(today, start, complaints.open_by_assignee),
        }
        return Response(self.get_serializer(figures).data)
