from django.urls import path

from . import api

urlpatterns = [
    path("pocs", api.PocSearchView.as_view(), name="search-pocs"),
    path("suggest", api.SuggestView.as_view(), name="search-suggest"),
]
