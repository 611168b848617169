from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("sellers", api.SellerViewSet, basename="seller")
router.register("products", api.ProductViewSet, basename="product")

urlpatterns = [
    # Before the router, so that "import" is not taken for a product id.
    path("products/import/", api.ProductImportView.as_view(), name="product-import"),
    path("catalog-stats/", api.CatalogStatsView.as_view(), name="catalog-stats"),
    *router.urls,
]
