"""The counter and the customer file: pages and REST endpoints."""

from django.urls import path

from customers import apis, views

urlpatterns = [
    path("counter/", views.counter, name="customers-counter"),
    path("counter/lookup/", views.counter_lookup, name="customers-counter-lookup"),
    path("register/", views.register, name="customers-register"),
    path("<int:pk>/", views.customer_detail, name="customers-detail"),
    path("<int:pk>/follow-up/", views.follow_up, name="customers-follow-up"),
    path("<int:pk>/dispute/", views.dispute_open, name="customers-dispute-open"),
    path(
        "registrations/<int:pk>/correct/", views.registration_correct, name="customers-registration-correct"
    ),
    path("disputes/", views.dispute_list, name="customers-disputes"),
    path("disputes/<int:pk>/", views.dispute_detail, name="customers-dispute"),
]

api_urlpatterns = [
    path(
        "sites/<int:site_id>/customers/lookup/", apis.CustomerLookupApi.as_view(), name="api-customer-lookup"
    ),
    path(
        "sites/<int:site_id>/registrations/",
        apis.RegistrationCreateApi.as_view(),
        name="api-registration-create",
    ),
    path("customers/<int:pk>/", apis.CustomerDetailApi.as_view(), name="api-customer"),
    path("customers/<int:pk>/follow-ups/", apis.FollowUpCreateApi.as_view(), name="api-customer-follow-up"),
    path("customers/<int:pk>/relations/", apis.RelationCreateApi.as_view(), name="api-customer-relation"),
    path("customers/<int:pk>/disputes/", apis.DisputeOpenApi.as_view(), name="api-customer-dispute"),
    path("customers/<int:pk>/decisions/", apis.DecisionCreateApi.as_view(), name="api-customer-decision"),
    path("disputes/<int:pk>/decide/", apis.DisputeDecideApi.as_view(), name="api-dispute-decide"),
    path(
        "registrations/<int:pk>/correct/",
        apis.RegistrationCorrectApi.as_view(),
        name="api-registration-correct",
    ),
    path("households/", apis.HouseholdJoinApi.as_view(), name="api-household-join"),
    path("ownership/simulate/", apis.OwnershipSimulateApi.as_view(), name="api-ownership-simulate"),
]
