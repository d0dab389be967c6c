package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

@Group("fleetlm.io")
@Version("v1alpha1")
@ShortNames("flr")
@JsonClassDescription(
    "A FleetLM release: the operator migrates the database with the release image, verifies the"
        + " applied migrations in PostgreSQL, and only then rolls the Deployment to that image.")
public class FleetlmRelease extends CustomResource<FleetlmReleaseSpec, FleetlmReleaseStatus>
    implements Namespaced {}
