import django.db.models.deletion
import django.db.models.expressions
import django.db.models.functions.math
from django.db import migrations, models


def sellers_from_products(apps, schema_editor):
    """Existing suggestions take their product's seller (one UPDATE)."""
    Product = apps.get_model("catalog", "Product")
    Suggestion = apps.get_model("catalog", "Suggestion")
    Suggestion.objects.update(
        seller_id=models.Subquery(Product.objects.filter(pk=models.OuterRef("product_id")).values("seller_id")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0007_suggestion_threshold"),
    ]

    operations = [
        migrations.AddField(
            model_name="suggestion",
            name="seller",
            field=models.ForeignKey(
                db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                to="catalog.seller",
            ),
        ),
        migrations.RunPython(sellers_from_products, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="suggestion",
            name="seller",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="catalog.seller"
            ),
        ),
        migrations.AddIndex(
            model_name="suggestion",
            index=models.Index(
                models.F("seller"), models.F("status"),
                django.db.models.functions.math.Abs(
                    django.db.models.expressions.CombinedExpression(models.F("score"), "-", models.F("threshold"))
                ),
                models.F("id"), name="suggestion_seller_margin",
            ),
        ),
        migrations.AddIndex(
            model_name="suggestion",
            index=models.Index(
                models.F("seller"), models.F("status"), models.OrderBy(models.F("score"), descending=True),
                models.F("id"), name="suggestion_seller_confidence",
            ),
        ),
    ]
