from rest_framework.routers import DefaultRouter

from .api import ModelVersionViewSet, TrainingRunViewSet

router = DefaultRouter()
router.register("training-runs", TrainingRunViewSet, basename="training-run")
router.register("model-versions", ModelVersionViewSet, basename="model-version")
urlpatterns = router.urls
