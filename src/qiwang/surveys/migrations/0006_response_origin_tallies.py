"""Recount the "responses" rows of the respondent tallies by origin (issue 14).

Before, one row per (wave, tier, branch) counted every complete response; now the ``key`` says
where a response came from (invited / open / import / other) so the response rate counts only
invited responses. The folded responses are recounted from the response table in one statement;
the live tail is read at view time as before."""

from django.db import migrations

ORIGIN = (
    "CASE WHEN r.invitation_id IS NOT NULL THEN 'invited'"
    " WHEN r.source = 'import' THEN 'import'"
    " WHEN r.submission_key LIKE 'o%%' THEN 'open' ELSE 'other' END"
)


def recount(apps, schema_editor):
    tally = apps.get_model("surveys", "RespondentTally")
    response = apps.get_model("surveys", "Response")
    tally.objects.filter(scope="responses").delete()
    table, source = tally._meta.db_table, response._meta.db_table
    schema_editor.execute(
        f"INSERT INTO {table} (wave_id, scope, key, tier, branch_id, n, sum_e, sum_e2, sum_p,"  # noqa: S608
        f" sum_p2, sum_ep) SELECT wave_id, 'responses', {ORIGIN}, tier, branch_id, COUNT(*),"
        f" 0.0, 0.0, 0.0, 0.0, 0.0 FROM {source} r WHERE r.status = 'complete'"
        f" AND r.tally_batch IS NOT NULL GROUP BY wave_id, {ORIGIN}, tier, branch_id"
    )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0005_text_labels")]

    operations = [migrations.RunPython(recount, migrations.RunPython.noop)]
