from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("categories", api.CategoryViewSet, basename="category")
router.register("attributes", api.AttributeViewSet, basename="attribute")
router.register("attribute-values", api.AttributeValueViewSet, basename="attribute-value")
router.register("category-attributes", api.CategoryAttributeViewSet, basename="category-attribute")

urlpatterns = [
    path("taxonomy/import/", api.TaxonomyImportView.as_view(), name="taxonomy-import"),
    path("taxonomy/export/", api.TaxonomyExportView.as_view(), name="taxonomy-export"),
    *router.urls,
]
