"""A starting list of sub-causes, which managers edit in the admin."""

from django.db import migrations

SUB_CAUSES = {
    "value": ["Poor quality", "Not as described", "Not worth the price"],
    "system": ["Long wait", "Complicated procedure", "Unclear information"],
    "people": ["Rude or indifferent", "Rigid about the rules", "Not kept informed"],
}


def add(apps, schema_editor):
    SubCause = apps.get_model("interactions", "ComplaintSubCause")
    for cause, names in SUB_CAUSES.items():
        for name in names:
            SubCause.objects.get_or_create(cause=cause, name=name)


class Migration(migrations.Migration):
    dependencies = [("interactions", "0016_causes_and_moods")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
