"""Deploy-time code of the Autopilot inference constructs.

Modules import each other relatively so the package works both as the Lambda's
top-level ``autopilot_runtime`` and inside the installed ``autopilot_inference``.

Where things are, from the entry point down (a module imports only modules below it):

- ``handler``: the Lambda entry point ``handle`` (on_event, and the transform job events) and the failure
  reasons.
- ``package_model_resource``: a model of an Approved model package version (uses the two below).
- ``model_package_resource`` / ``model_resource`` / ``transform_resource``: Create, Update and Delete of each
  resource kind.
- ``wait_signals``: the signals to a waited job's wait condition, sent when the job's state-change
  event arrives (and by an Update that keeps the job).
- ``lifecycle``: what both kinds share: dispatch on RequestType, named failures, replace or keep, tag
  syncing, rollback detection.
- ``clients``: the botocore clients of one invocation (retries, assumed role) and the AutoML job reads.
- ``existence``: whether a model or transform job is gone; ``service_errors``: what a botocore error
  says; ``invocation``: the running invocation's clock, time left and last call.
- ``sagemaker_requests``: the CreateModel / CreateTransformJob requests, typed by botocore's shapes.
- ``properties``: the resources' properties parsed.
- ``candidates``, ``response_keys``, ``media_types``: the job's candidate, its response keys and media
  types (pure; the ``plan`` command runs them too).
- ``naming``, ``events``, ``ownership``, ``errors``, and ``contract``: every resource type, property
  name, Data key and limit.
"""
