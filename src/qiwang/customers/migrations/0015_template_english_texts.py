"""English texts of the default greeting templates (issue 15, item 4): a customer who chose
English gets the English text; a template whose Chinese text was edited keeps an empty English
text (so it falls back to the Chinese one) until someone writes it."""

from django.db import migrations

SIGN = " — {manager}"
BODIES = {
    "b2b_supplier": {
        "public_holiday": "{company} wishes you a happy {occasion}. Thank you for your trust and support!",
        "festival": "Warm wishes for {occasion} from {company}: happiness to your family and success to your business.",
        "birthday": "Happy birthday from all of us at {company}!",
        "anniversary": "Congratulations on your company's anniversary from {company}. Here's to a long partnership.",
        "product_launch": "{company} has launched “{occasion}”. Ask me for details or a trial at any time.",
        "sales_rise": "Thank you for your recent orders with {company}. We will keep your supply and service secure.",
    },
    "property": {
        "public_holiday": "{company} wishes you and your family a happy {occasion}! Our housekeepers and repair staff are on duty throughout the holiday.",
        "festival": "Warm wishes for {occasion} from {company}: happiness and peace to your family.",
        "birthday": "Happy birthday from {company}!",
        "anniversary": "Congratulations on your shop's anniversary from {company}. Thank you for being part of the community.",
        "product_launch": "Our community event “{occasion}” is coming up: you and your family are warmly invited. Ask the service centre for details.",
        "sales_rise": "Thank you for supporting {company}. We will keep improving our service.",
    },
    "heating": {
        "public_holiday": "{company} wishes you a happy {occasion}! Our heating repair line is staffed around the clock over the holiday.",
        "festival": "Warm wishes for {occasion} from {company}: may your home stay warm.",
        "birthday": "Happy birthday from {company}! Stay warm and well.",
        "anniversary": "Congratulations on your anniversary from {company}.",
        "product_launch": "“{occasion}” is coming: {company} invites you to find out more. Ask me if you have any questions.",
        "sales_rise": "Thank you for supporting {company}. We will keep your heating steady.",
    },
    "developer": {
        "public_holiday": "{company} wishes you and your family a happy {occasion}!",
        "festival": "Warm wishes for {occasion} from {company}.",
        "birthday": "Happy birthday from {company}!",
        "anniversary": "Congratulations on your company's anniversary from {company}.",
        "product_launch": "“{occasion}” is coming up: you are warmly invited. Ask me to arrange your visit.",
        "sales_rise": "Thank you for your trust in {company}. We will do our best on handover and service.",
    },
}
SUBJECTS = {
    "public_holiday": "Happy {occasion}",
    "festival": "Happy {occasion}",
    "birthday": "Happy birthday",
    "anniversary": "Happy anniversary",
    "product_launch": "{occasion}",
    "sales_rise": "Thank you for your support",
}
PHONE_SCRIPTS = {
    "b2b_supplier": "Call points: {occasion} wishes; thank them for the business; ask about on-time supply and inspection pass rates; hear their company's news.",
    "property": "Call points: {occasion} wishes; ask whether the last repair was fixed and whether cleaning and security satisfy them; mention coming community events.",
    "heating": "Call points: {occasion} wishes; ask whether the indoor temperature meets the standard; remind them of the repair line; ask about leaking radiators.",
    "developer": "Call points: {occasion} wishes; report construction or handover progress; ask whether warranty repairs are on time.",
}


def forwards(apps, schema_editor):
    template_model = apps.get_model("customers", "MessageTemplate")
    seed = __import__(
        "qiwang.customers.migrations.0008_profile_data", fromlist=["_text", "PHONE_SCRIPTS"]
    )
    for row in template_model.objects.filter(body_en="").iterator():
        if row.industry not in BODIES or row.occasion_kind not in SUBJECTS:
            continue
        if row.channel == "phone":
            if row.body != seed.PHONE_SCRIPTS[row.industry]:
                continue  # someone wrote their own script: no English guessed for it
            body = PHONE_SCRIPTS[row.industry]
        else:
            if row.body != seed._text(row.industry, row.tier, row.occasion_kind):
                continue
            greeting = "Dear {customer}," if row.tier == "vip" else "Hello {customer},"
            body = f"{greeting} {BODIES[row.industry][row.occasion_kind]}{SIGN}"
        row.subject_en = SUBJECTS[row.occasion_kind]
        row.body_en = body
        row.save(update_fields=["subject_en", "body_en"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0014_customer_language_template_english")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
