"""The queue counts a seller's products with pending suggestions (up to 1,001) along a new
index (seller, status, product): under a millisecond for any seller of the 1M catalogue, where
the count through the products took 6-45 ms (docs/benchmarks.md, "Seventh pass"). The product
foreign key's own index goes: (product, value) and (product, status) lead with it already, so
the table keeps as many indexes for a re-score to maintain. Built in 4 s on 5.9M suggestions.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0012_product_title_bigram_index'),
        ('ml', '0006_scored_categories'),
        ('taxonomy', '0002_translated_names'),
    ]

    operations = [
        migrations.AlterField(
            model_name='suggestion',
            name='product',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='suggestions', to='catalog.product'),
        ),
        migrations.AddIndex(
            model_name='suggestion',
            index=models.Index(fields=['seller', 'status', 'product'], name='suggestion_seller_product'),
        ),
    ]
