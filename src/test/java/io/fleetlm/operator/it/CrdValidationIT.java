package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.EnvVarSourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
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

  /**
   * A toleration is refused at apply exactly when the API server would refuse it in a pod, naming
   * the field: the CRD copies Kubernetes' rules, and the pod, validated by the server these run on,
   * keeps the copy true.
   */
  @Test
  void aTolerationIsRefusedAtApplyExactlyWhenAPodWouldRefuseIt() {
    List<Toleration> refused =
        List.of(
            toleration("dedicated", "Sometimes", "db", "NoSchedule", null),
            toleration("dedicated", "Equal", "db", "Sometimes", null),
            toleration("dedicated", "Exists", "db", "NoSchedule", null),
            toleration("", "Equal", "db", "NoSchedule", null),
            toleration(null, null, null, null, null),
            toleration("dedicated", "Equal", "db", "NoSchedule", 30L),
            toleration("not a key", "Exists", null, null, null),
            toleration("dedicated", "Equal", "not a value", null, null));
    List<Toleration> accepted =
        List.of(
            toleration(null, "Exists", null, null, null),
            toleration("example.com/dedicated", "Equal", "db", "NoExecute", 30L),
            toleration("dedicated", null, "db", "PreferNoSchedule", null),
            toleration("node.kubernetes.io/not-ready", "Exists", "", "NoExecute", 300L));

    for (Toleration toleration : refused) {
      assertThat(podRefusal(spec -> spec.setTolerations(List.of(toleration))))
          .as("a pod with %s", toleration)
          .isNotNull();
      assertRejected(r -> r.getSpec().setTolerations(List.of(toleration)), "spec.tolerations[0]");
    }
    for (Toleration toleration : accepted) {
      assertThat(podRefusal(spec -> spec.setTolerations(List.of(toleration))))
          .as("a pod with %s", toleration)
          .isNull();
      assertAccepted(r -> r.getSpec().setTolerations(List.of(toleration)));
    }
  }

  /** The same for what an env variable may read from its pod or container. */
  @Test
  void anEnvSourceIsRefusedAtApplyExactlyWhenAPodWouldRefuseIt() {
    List<EnvVarSource> refused =
        List.of(
            resource("limits.gpu"),
            resource("memory"),
            field("spec.hostname"),
            field("metadata.labels"),
            field("status.phase"));
    List<EnvVarSource> accepted =
        List.of(
            resource("limits.memory"),
            resource("requests.ephemeral-storage"),
            resource("limits.hugepages-2Mi"),
            field("status.podIP"),
            field("status.podIPs"),
            field("metadata.labels['app.kubernetes.io/name']"),
            field("spec.serviceAccountName"));

    for (EnvVarSource source : refused) {
      assertThat(podRefusal(spec -> spec.getContainers().get(0).setEnv(List.of(env(source)))))
          .as("a pod reading %s", source)
          .isNotNull();
      assertRejected(r -> r.getSpec().setEnv(List.of(env(source))), "spec.env[0].valueFrom");
    }
    for (EnvVarSource source : accepted) {
      assertThat(podRefusal(spec -> spec.getContainers().get(0).setEnv(List.of(env(source)))))
          .as("a pod reading %s", source)
          .isNull();
      assertAccepted(r -> r.getSpec().setEnv(List.of(env(source))));
    }
  }

  private static Toleration toleration(
      String key, String operator, String value, String effect, Long seconds) {
    return new TolerationBuilder()
        .withKey(key)
        .withOperator(operator)
        .withValue(value)
        .withEffect(effect)
        .withTolerationSeconds(seconds)
        .build();
  }

  private static EnvVarSource resource(String resource) {
    return new EnvVarSourceBuilder()
        .withNewResourceFieldRef()
        .withResource(resource)
        .endResourceFieldRef()
        .build();
  }

  private static EnvVarSource field(String path) {
    return new EnvVarSourceBuilder().withNewFieldRef().withFieldPath(path).endFieldRef().build();
  }

  private static EnvVar env(EnvVarSource source) {
    return new EnvVarBuilder().withName("READ").withValueFrom(source).build();
  }

  /** The API server's refusal of a pod with this change (dry run), or null when it takes it. */
  private static String podRefusal(Consumer<PodSpec> change) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("referee")
            .withNamespace(namespace)
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("fleetlm")
            .withImage("ghcr.io/acme/fleetlm:1.0.0")
            .endContainer()
            .endSpec()
            .build();
    change.accept(pod.getSpec());
    try {
      client.resource(pod).dryRun().create();
      return null;
    } catch (KubernetesClientException e) {
      assertThat(e.getCode()).as(e.getMessage()).isEqualTo(422);
      return e.getMessage();
    }
  }

  private void assertAccepted(Consumer<FleetlmRelease> change) {
    FleetlmRelease release = valid("fine");
    change.accept(release);
    assertThat(client.resource(release).dryRun().create().getSpec()).isNotNull();
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
