package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.MigrationTool;
import io.fleetlm.operator.api.PodSecuritySpec;
import io.fleetlm.operator.api.WorkingDirectorySpec;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The API server, with the committed CRD, rejects bad releases at apply time. */
class CrdValidationIT {

  private static final KubernetesClient client = TestCluster.client();
  private static String namespace;

  @BeforeAll
  static void setUp() {
    Releases.installCrd(client);
    namespace = TestCluster.createNamespace("validation");
  }

  @AfterAll
  static void tearDown() {
    TestCluster.deleteNamespace(namespace);
  }

  @Test
  void validReleaseIsAcceptedWithDefaults() {
    FleetlmRelease created = client.resource(valid("ok")).create();
    assertThat(created.getSpec().getPort()).isEqualTo(4000);
    assertThat(created.getSpec().getMigration().getTool()).isEqualTo(MigrationTool.ECTO);
    assertThat(created.getSpec().getMigration().getTimeoutSeconds()).isEqualTo(600L);
    assertThat(created.getSpec().getMigration().getBackoffLimit()).isZero();
  }

  @Test
  void everyExampleReleaseIsAccepted() throws Exception {
    try (var files = java.nio.file.Files.list(java.nio.file.Path.of("examples"))) {
      List<java.nio.file.Path> examples =
          files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      assertThat(examples).isNotEmpty();
      for (java.nio.file.Path example : examples) {
        try (var in = java.nio.file.Files.newInputStream(example)) {
          FleetlmRelease release = client.resources(FleetlmRelease.class).load(in).item();
          release.getMetadata().setName("example-" + Math.abs(example.toString().hashCode()));
          release.getMetadata().setNamespace(namespace);
          assertThat(client.resource(release).dryRun().create().getSpec().getImage())
              .as(example.toString())
              .isEqualTo(release.getSpec().getImage());
        }
      }
    }
  }

  @Test
  void kubectlExplainDescribesTheResourceItsSpecAndItsStatus() {
    Map<String, String> env = TestCluster.kubeconfigEnv();
    for (String[] field :
        new String[][] {
          {"fleetlmrelease", "verifies the applied migrations"},
          {"fleetlmrelease.spec", "What should run"},
          {"fleetlmrelease.status", "Ready=True"},
          {"fleetlmrelease.spec.securityContext.runAsUser", "Must not be 0"},
        }) {
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  // kubectl wraps descriptions at its own width.
                  assertThat(
                          Tools.run(env, "kubectl", "explain", field[0])
                              .output()
                              .replaceAll("\\s+", " "))
                      .as(field[0])
                      .contains(field[1]));
    }
  }

  @Test
  void kubectlGetShowsTheColumnsInReadingOrder() {
    client.resource(valid("columns")).create();
    Tools.Result get =
        Tools.run(TestCluster.kubeconfigEnv(), "kubectl", "get", "flr", "columns", "-n", namespace);
    assertThat(get.exitCode()).as(get.output()).isZero();
    assertThat(get.output().lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly(
            "NAME", "PHASE", "TARGET", "CURRENT", "READY", "MEMBERS", "SCHEMA", "REASON", "AGE");
  }

  @Test
  void missingImageIsRejected() {
    assertRejected(r -> r.getSpec().setImage(null), "spec.image: Required value");
  }

  @Test
  void nonNumericEctoVersionIsRejected() {
    assertRejected(
        r -> r.getSpec().getMigration().setExpectedVersion("v1.2"),
        "an Ecto expectedVersion is the migration's numeric version");
  }

  @Test
  void flywayVersionsAreAcceptedForFlyway() {
    FleetlmRelease release = valid("flyway");
    release.getSpec().getMigration().setTool(MigrationTool.FLYWAY);
    release.getSpec().getMigration().setExpectedVersion("2.1");
    assertThat(client.resource(release).create().getSpec().getMigration().getExpectedVersion())
        .isEqualTo("2.1");
  }

  @Test
  void databaseUrlInEnvIsRejected() {
    assertRejected(
        r -> r.getSpec().setEnv(List.of(new EnvVar("DATABASE_URL", "ecto://x", null))),
        "DATABASE_URL and SECRET_KEY_BASE come from spec.database");
  }

  @Test
  void negativeReplicasAndBadProbePathAreRejected() {
    assertRejected(r -> r.getSpec().setReplicas(-1), "spec.replicas");
    assertRejected(
        r -> {
          var probes = new io.fleetlm.operator.api.ProbeSpec();
          probes.setHttpPath("health");
          r.getSpec().setProbes(probes);
        },
        "spec.probes.httpPath");
  }

  @Test
  void rootOrNonNumericPodIdentitiesAreRejected() {
    for (String field : List.of("runAsUser", "runAsGroup", "fsGroup")) {
      assertRejected(
          r -> r.getSpec().setSecurityContext(identity(field, 0L)),
          "spec.securityContext." + field + " in body should be greater than or equal to 1");
    }
    assertRejected(
        r -> r.getSpec().setSecurityContext(identity("runAsUser", -5L)),
        "spec.securityContext.runAsUser");
    // A user written by name, as in an image's USER line, is not a number.
    var named =
        Serialization.unmarshal(
            Serialization.asJson(valid("named-user")), GenericKubernetesResource.class);
    @SuppressWarnings("unchecked")
    var spec = (Map<String, Object>) named.getAdditionalProperties().get("spec");
    spec.put("securityContext", Map.of("runAsUser", "app"));
    assertThatThrownBy(() -> client.resource(named).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.securityContext.runAsUser: Invalid value: \"string\"");
  }

  @Test
  void aNumericPodIdentityIsAccepted() {
    FleetlmRelease release = valid("uid");
    release.getSpec().setSecurityContext(identity("runAsUser", 65532L));
    assertThat(client.resource(release).create().getSpec().getSecurityContext().getRunAsUser())
        .isEqualTo(65532L);
  }

  private static PodSecuritySpec identity(String field, long value) {
    var ids = new PodSecuritySpec();
    switch (field) {
      case "runAsUser" -> ids.setRunAsUser(value);
      case "runAsGroup" -> ids.setRunAsGroup(value);
      default -> ids.setFsGroup(value);
    }
    return ids;
  }

  @Test
  void statusIsASubresourceUsersCannotWriteThroughTheSpec() {
    FleetlmRelease release = valid("status");
    release.setStatus(new io.fleetlm.operator.api.FleetlmReleaseStatus());
    release.getStatus().setSchemaVersion("999");
    FleetlmRelease created = client.resource(release).create();
    assertThat(created.getStatus().getSchemaVersion()).isNull();
    assertThat(created.getStatus().getObservedGeneration())
        .as("the status default: kstatus reads a release nobody reconciled as InProgress")
        .isZero();
  }

  @Test
  void imageReferencesFollowTheOciGrammar() {
    for (String bad :
        List.of(
            "ghcr.io/Acme/fleetlm:1.0.0",
            "fleetlm:1.0.0 ",
            "fleetlm::1",
            "fleetlm:-bad",
            "fleetlm@sha256:xyz",
            "-fleetlm:1")) {
      assertRejected(r -> r.getSpec().setImage(bad), "spec.image");
    }
    for (String good :
        List.of(
            "fleetlm",
            "fleetlm:1.0.0",
            "localhost:5000/acme/fleetlm:v1_rc.2",
            "ghcr.io/acme/fleet-lm__x/app@sha256:" + "a".repeat(64),
            "ghcr.io/acme/fleetlm:1.0.0@sha256:" + "0123456789abcdef".repeat(4))) {
      FleetlmRelease release = valid("image-" + Math.abs(good.hashCode() % 100000));
      release.getSpec().setImage(good);
      assertThat(client.resource(release).dryRun().create().getSpec().getImage()).isEqualTo(good);
    }
  }

  @Test
  void resourceQuantitiesAreKubernetesQuantitiesAndRequestsStayWithinLimits() {
    assertRejected(
        r -> r.getSpec().setResources(resources(Map.of("cpu", "lots"), Map.of())),
        "spec.resources.requests.cpu");
    assertRejected(
        r -> r.getSpec().setResources(resources(Map.of("cpu", "2"), Map.of("cpu", "500m"))),
        "a resource request must not exceed its limit");
    FleetlmRelease fine = valid("quantities");
    fine.getSpec()
        .setResources(
            resources(
                Map.of("cpu", "250m", "memory", "0.5Gi"), Map.of("cpu", "1", "memory", "1Gi")));
    assertThat(client.resource(fine).dryRun().create().getSpec().getResources()).isNotNull();
  }

  @Test
  void podLabelsMustBeValidLabels() {
    assertRejected(
        r -> r.getSpec().setPodLabels(Map.of("team", "has spaces")), "spec.podLabels.team");
    assertRejected(
        r -> r.getSpec().setPodLabels(Map.of("bad key!", "x")), "label keys are an optional");
    FleetlmRelease fine = valid("labels");
    fine.getSpec().setPodLabels(Map.of("example.com/team", "chat-1", "tier", ""));
    assertThat(client.resource(fine).dryRun().create().getSpec().getPodLabels()).hasSize(2);
  }

  @Test
  void ectoVersionsMustFitABigint() {
    assertRejected(
        r -> r.getSpec().getMigration().setExpectedVersion("9223372036854775808"),
        "fits schema_migrations.version");
    assertRejected(
        r -> r.getSpec().getMigration().setRequiredVersions(List.of("99999999999999999999")),
        "that fit a bigint");
    FleetlmRelease max = valid("bigint");
    max.getSpec().getMigration().setExpectedVersion("9223372036854775807");
    assertThat(client.resource(max).dryRun().create()).isNotNull();
  }

  @Test
  void aRollbackIsAnEctoVersionNoNewerThanTheExpectedOne() {
    assertRejected(
        r -> r.getSpec().getMigration().setRollbackTo("20240412120000"),
        "expectedVersion cannot be newer than rollbackTo");
    assertRejected(
        r -> {
          r.getSpec().getMigration().setTool(MigrationTool.FLYWAY);
          r.getSpec().getMigration().setExpectedVersion("2");
          r.getSpec().getMigration().setRollbackTo("1");
        },
        "rollbackTo is for Ecto");
    assertRejected(r -> r.getSpec().getMigration().setRollbackTo("v1"), "rollbackTo");
    assertRejected(
        r -> {
          r.getSpec().getMigration().setRollbackTo("20251021155555");
          r.getSpec().getMigration().setRollbackImage("Not An Image");
        },
        "rollbackImage");
    FleetlmRelease fine = valid("rollback");
    fine.getSpec().getMigration().setRollbackTo("20251021155555");
    fine.getSpec().getMigration().setRollbackImage("ghcr.io/acme/fleetlm:2.0.0");
    assertThat(client.resource(fine).dryRun().create().getSpec().getMigration().getRollbackTo())
        .isEqualTo("20251021155555");
  }

  @Test
  void thePublicHostIsAHostNameAndPhxHostIsNotAlsoInEnv() {
    assertRejected(r -> r.getSpec().setPublicHost("https://chat.example.com"), "publicHost");
    assertRejected(r -> r.getSpec().setPublicHost("Chat.Example.com"), "publicHost");
    assertRejected(
        r -> r.getSpec().setEnv(List.of(new EnvVar("PHX_HOST", "chat.example.com", null))),
        "PHX_HOST comes from spec.publicHost");
    FleetlmRelease fine = valid("public-host");
    fine.getSpec().setPublicHost("chat.eu-1.example.com");
    assertThat(client.resource(fine).dryRun().create().getSpec().getPublicHost())
        .isEqualTo("chat.eu-1.example.com");
  }

  @Test
  void theWorkingDirectoryIsAnAbsolutePathThatHidesNothingOfTheImage() {
    assertRejected(
        r -> r.getSpec().setWorkingDirectory(workdir("/app/data", null)),
        "a volume mounted over what the image has there");
    for (String path :
        List.of("/app", "/app/", "/app/.", "/data/../app", "/proc/raft", "/dev", "data", "/")) {
      assertRejected(
          r -> r.getSpec().setWorkingDirectory(workdir(path, null)), "workingDirectory.path");
    }
    assertRejected(
        r -> r.getSpec().setWorkingDirectory(workdir("/data", "lots")),
        "workingDirectory.sizeLimit");
    FleetlmRelease fine = valid("workdir");
    fine.getSpec().setWorkingDirectory(workdir("/var/lib/raft.d", "2Gi"));
    assertThat(client.resource(fine).dryRun().create().getSpec().getWorkingDirectory().getPath())
        .isEqualTo("/var/lib/raft.d");
  }

  private static WorkingDirectorySpec workdir(String path, String sizeLimit) {
    WorkingDirectorySpec workdir = new WorkingDirectorySpec();
    workdir.setPath(path);
    if (sizeLimit != null) {
      workdir.setSizeLimit(new io.fabric8.kubernetes.api.model.Quantity(sizeLimit));
    }
    return workdir;
  }

  private static io.fabric8.kubernetes.api.model.ResourceRequirements resources(
      Map<String, String> requests, Map<String, String> limits) {
    var builder = new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder();
    requests.forEach(
        (k, v) -> builder.addToRequests(k, new io.fabric8.kubernetes.api.model.Quantity(v)));
    limits.forEach(
        (k, v) -> builder.addToLimits(k, new io.fabric8.kubernetes.api.model.Quantity(v)));
    return builder.build();
  }

  private void assertRejected(Consumer<FleetlmRelease> breakIt, String message) {
    FleetlmRelease release = valid("bad-" + Math.abs(message.hashCode() % 100000));
    breakIt.accept(release);
    assertThatThrownBy(() -> client.resource(release).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
        .hasMessageContaining(message);
  }

  private static FleetlmRelease valid(String name) {
    return Releases.release(namespace, name, "ghcr.io/acme/fleetlm:1.0.0", "20251021155555", 1);
  }
}
