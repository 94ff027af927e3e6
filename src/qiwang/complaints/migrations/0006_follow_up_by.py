"""Who entered the follow-up answer (the customer, or staff on the customer's behalf).

Existing answers are marked from their timeline row: the customer's link writes
``params.by = "customer"``; any other follow-up row was entered by staff. Two statements.
"""

from django.db import migrations, models

SQL_FORWARD = """
UPDATE complaints_complaint AS c SET follow_up_by = 'staff'
 WHERE c.follow_up_score IS NOT NULL;
UPDATE complaints_complaint AS c SET follow_up_by = 'customer'
 WHERE c.follow_up_score IS NOT NULL AND EXISTS (
   SELECT 1 FROM complaints_move m
    WHERE m.complaint_id = c.id AND m.code = 'follow_up_score'
      AND m.params ->> 'by' = 'customer');
"""


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0005_complaint_tallies"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="follow_up_by",
            field=models.CharField(
                blank=True,
                choices=[
                    ("customer", "the customer"),
                    ("staff", "staff on the customer's behalf"),
                ],
                default="",
                max_length=8,
                verbose_name="follow-up answer entered by",
            ),
        ),
        migrations.RunSQL(SQL_FORWARD, reverse_sql=migrations.RunSQL.noop),
    ]
