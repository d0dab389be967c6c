package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fleetlm.operator.api.FleetlmRelease;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Helm chart, the plain manifests generated from it, and the RBAC they grant. */
class HelmChartIT {

  private static final Path CHART = Path.of("helm", "fleetlm-operator");
  private static final Map<String, String> NO_ENV = Map.of();
  private final KubernetesClient admin = TestCluster.client();

  @BeforeAll
  static void installCrd() {
    Releases.installCrd(TestCluster.client());
  }

  @Test
  void lintIsClean() {
    Tools.Result lint = Tools.run(NO_ENV, "helm", "lint", "--strict", CHART.toString());
    assertThat(lint.exitCode()).as(lint.output()).isZero();
    assertThat(lint.output()).doesNotContain("[WARNING]").doesNotContain("[ERROR]");
  }

  @Test
  void plainManifestsAreTheRenderedChart() throws IOException {
    Path rendered = Files.createTempFile("operator", ".yaml");
    Tools.Result render =
        Tools.run(NO_ENV, "bash", "hack/render-manifests.sh", rendered.toString());
    assertThat(render.exitCode()).as(render.output()).isZero();
    assertThat(Files.readString(rendered))
        .as("deploy/operator.yaml is stale: run 'make manifests'")
        .isEqualTo(Files.readString(Path.of("deploy", "operator.yaml")));
  }

  @Test
  void everyModeRendersToObjectsTheApiServerAccepts() throws IOException {
    String namespace = TestCluster.createNamespace("helm-dry-run");
    try {
      for (String[] values :
          new String[][] {
            {},
            {"--set", "watchNamespaces={" + namespace + "}"},
            {"--set", "replicaCount=2", "--set", "logFormat=json"},
          }) {
        Path manifest = Files.createTempFile("chart", ".yaml");
        String[] template =
            concat(
                new String[] {
                  "helm", "template", "t", CHART.toString(), "-n", namespace, "--skip-crds"
                },
                values);
        Tools.Result rendered = Tools.run(NO_ENV, template);
        assertThat(rendered.exitCode()).as(rendered.output()).isZero();
        Files.writeString(manifest, rendered.output());
        Tools.Result applied =
            Tools.run(
                kubeconfigEnv(), "kubectl", "apply", "--dry-run=server", "-f", manifest.toString());
        assertThat(applied.exitCode()).as(applied.output()).isZero();
        assertThat(applied.output()).contains("deployment.apps/t-fleetlm-operator created");
      }
    } finally {
      TestCluster.deleteNamespace(namespace);
    }
  }

  @Test
  void twoClusterWideInstallsInTwoNamespacesDoNotCollide() {
    String first = TestCluster.createNamespace("fleetlm-one");
    String second = TestCluster.createNamespace("fleetlm-two");
    try {
      helmInstall("fleetlm-operator", first);
      helmInstall("fleetlm-operator", second);
    } finally {
      Tools.run(kubeconfigEnv(), "helm", "uninstall", "fleetlm-operator", "-n", first);
      Tools.run(kubeconfigEnv(), "helm", "uninstall", "fleetlm-operator", "-n", second);
      TestCluster.deleteNamespace(first);
      TestCluster.deleteNamespace(second);
    }
  }

  @Test
  void deletingTheOperatorsKustomizationNeverDeletesTheCrd() {
    Tools.Result operator = Tools.run(NO_ENV, "kubectl", "kustomize", "deploy");
    assertThat(operator.exitCode()).as(operator.output()).isZero();
    assertThat(operator.output())
        .contains("kind: Deployment")
        .doesNotContain("kind: CustomResourceDefinition");
  }

  @Test
  void chartServiceAccountRunsAReleaseAndIsRefusedTheRest() throws Exception {
    String operatorNamespace = TestCluster.createNamespace("fleetlm-system");
    String apps = TestCluster.createNamespace("apps");
    String other = TestCluster.createNamespace("other");
    String release = "op" + operatorNamespace.substring(operatorNamespace.length() - 6);
    try {
      // As the operator process runs here (kwok's pods run no FleetLM node to ask): the chart's
      // grants for clusterRoll deployment, each checked against the audit log below.
      helmInstall(release, operatorNamespace, grants(apps));

      String token = serviceAccountToken(operatorNamespace, release);
      Path kubeconfig = writeTokenKubeconfig(token);
      KubernetesClient operatorIdentity =
          new KubernetesClientBuilder().withConfig(tokenConfig(token)).build();

      TestDatabase db = TestDatabase.shared();
      String database = db.createDatabase();
      Releases.createDatabaseSecret(admin, apps, db.ectoUrl(database));
      Path log = Path.of("target", "helm-it-operator.log");
      try (OperatorProcess operator =
          OperatorProcess.start(
              kubeconfig,
              Map.of(
                  "FLEETLM_WATCH_NAMESPACES", apps,
                  // As the chart runs it: always with leader election.
                  "FLEETLM_OPERATOR_LEADER_ELECTION_ENABLED", "true",
                  "FLEETLM_OPERATOR_LEADER_ELECTION_LEASE_NAMESPACE", operatorNamespace),
              log)) {
        admin
            .resource(Releases.release(apps, "chat", "ghcr.io/acme/fleetlm:1.0.0", "7", 2))
            .create();
        MigrationStandIn container = new MigrationStandIn(admin, apps);
        container.migrateAndSucceed(
            container.awaitRunningPod("ghcr.io/acme/fleetlm:1.0.0"), db, database, 7);
        FleetlmRelease ready = Releases.awaitPhase(admin, apps, "chat", "Ready");
        assertThat(ready.getStatus().getReadyReplicas()).isEqualTo(2);

        // Gauges follow the operator's cache, which trails the API server by a moment.
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(operator.get("/metrics").body())
                        .contains("fleetlm_releases{phase=\"Ready\"} 1.0")
                        .contains(
                            "fleetlm_migration_duration_seconds_count{direction=\"up\",outcome=\"succeeded\"} 1")
                        .containsPattern(
                            "fleetlm_schema_version\\{namespace=\""
                                + apps
                                + "\",release=\"chat\"\\} 7\\.0")
                        .contains("fleetlm_rollout_duration_seconds_count"));
        assertThat(operator.get("/q/health/live").statusCode()).isEqualTo(200);
      }
      assertThat(Files.readString(log)).as("operator log").doesNotContain(db.password());
      assertThat(
              admin.v1().events().inNamespace(apps).list().getItems().stream()
                  .map(e -> e.getMessage()))
          .as("events")
          .noneMatch(m -> m.contains(db.password()));
      assertThat(
              io.fabric8.kubernetes.client.utils.Serialization.asJson(
                  Releases.get(admin, apps, "chat").getStatus()))
          .as("status")
          .doesNotContain(db.password());

      // It creates one Secret per release (the cluster cookie), but never changes one.
      assertForbidden(
          () ->
              operatorIdentity
                  .secrets()
                  .inNamespace(apps)
                  .withName(Releases.SECRET)
                  .edit(
                      s ->
                          new SecretBuilder(s)
                              .addToStringData("DATABASE_URL", "ecto://x")
                              .build()));
      assertForbidden(
          () -> operatorIdentity.secrets().inNamespace(apps).withName(Releases.SECRET).delete());
      assertForbidden(() -> operatorIdentity.secrets().inNamespace(other).list());
      assertForbidden(
          () -> operatorIdentity.resources(FleetlmRelease.class).inNamespace(other).list());
      assertForbidden(() -> operatorIdentity.nodes().list());
      assertForbidden(() -> operatorIdentity.namespaces().list());
      assertForbidden(
          () -> operatorIdentity.resources(FleetlmRelease.class).inAnyNamespace().list());

      GrantedVerbs granted = GrantedVerbs.render(CHART, release, operatorNamespace, grants(apps));
      var audit = TestCluster.auditLog();
      org.junit.jupiter.api.Assumptions.assumeTrue(
          audit.isPresent(), "no audit log on this cluster: granted verbs not checked");
      Set<String> used =
          GrantedVerbs.usedBy(
              audit.get(),
              "system:serviceaccount:" + operatorNamespace + ":" + release + "-fleetlm-operator");
      assertThat(granted.unexplainedAndUnused(used))
          .as("granted verbs the operator did not call, with no reason given in rbac.yaml")
          .isEmpty();
      assertThat(used).as("verbs called that the chart does not grant").allMatch(granted::grants);
    } finally {
      Tools.run(kubeconfigEnv(), "helm", "uninstall", release, "-n", operatorNamespace);
      TestCluster.deleteNamespace(apps);
      TestCluster.deleteNamespace(other);
      TestCluster.deleteNamespace(operatorNamespace);
    }
  }

  @Test
  void twoReplicasElectOneLeaderThatHandsOverWhenItStops() throws Exception {
    String operatorNamespace = TestCluster.createNamespace("fleetlm-ha");
    String apps = TestCluster.createNamespace("apps-ha");
    String release = "ha" + operatorNamespace.substring(operatorNamespace.length() - 6);
    try {
      helmInstall(
          release,
          operatorNamespace,
          "--set",
          "watchNamespaces={" + apps + "}",
          "--set",
          "replicaCount=2");
      Path kubeconfig = writeTokenKubeconfig(serviceAccountToken(operatorNamespace, release));
      TestDatabase db = TestDatabase.shared();
      String database = db.createDatabase();
      Releases.createDatabaseSecret(admin, apps, db.ectoUrl(database));
      MigrationStandIn container = new MigrationStandIn(admin, apps);

      Map<String, OperatorProcess> replicas = new java.util.HashMap<>();
      for (String name : List.of("replica-a", "replica-b")) {
        replicas.put(
            name,
            OperatorProcess.start(
                kubeconfig,
                Map.of(
                    "FLEETLM_WATCH_NAMESPACES", apps,
                    "FLEETLM_OPERATOR_LEADER_ELECTION_ENABLED", "true",
                    "FLEETLM_OPERATOR_LEADER_ELECTION_LEASE_NAMESPACE", operatorNamespace,
                    "FLEETLM_OPERATOR_INSTANCE_NAME", name,
                    "HOSTNAME", name),
                Path.of("target", "helm-it-" + name + ".log"),
                "/q/health/live"));
      }
      try {
        String leader = awaitLeaseHolder(operatorNamespace, null);
        admin
            .resource(Releases.release(apps, "chat", "ghcr.io/acme/fleetlm:1.0.0", "1", 1))
            .create();
        container.migrateAndSucceed(
            container.awaitRunningPod("ghcr.io/acme/fleetlm:1.0.0"), db, database, 1);
        Releases.awaitPhase(admin, apps, "chat", "Ready");

        // The leader gets SIGTERM, as in a rolling upgrade: it exits promptly and hands the Lease
        // back, so the other replica takes over within a retry period, not a lease duration.
        long stoppedAt = System.nanoTime();
        Duration exit = replicas.get(leader).terminate(Duration.ofSeconds(10));
        String next = awaitLeaseHolder(operatorNamespace, leader);
        Duration takeover = Duration.ofNanos(System.nanoTime() - stoppedAt);
        System.out.printf(
            "measured: leader exited %d ms after SIGTERM; new leader %d ms after SIGTERM%n",
            exit.toMillis(), takeover.toMillis());
        assertThat(next).isNotEqualTo(leader);
        assertThat(takeover)
            .as("takeover, the Lease lasting 15 s")
            .isLessThan(Duration.ofSeconds(8));
        Releases.edit(
            admin,
            apps,
            "chat",
            r -> {
              r.getSpec().setImage("ghcr.io/acme/fleetlm:2.0.0");
              r.getSpec().getMigration().setExpectedVersion("2");
            });
        container.migrateAndSucceed(
            container.awaitRunningPod("ghcr.io/acme/fleetlm:2.0.0"), db, database, 2);
        FleetlmRelease ready = Releases.awaitPhase(admin, apps, "chat", "Ready");
        assertThat(ready.getStatus().getCurrentImage()).isEqualTo("ghcr.io/acme/fleetlm:2.0.0");
      } finally {
        replicas.values().forEach(OperatorProcess::close);
      }
    } finally {
      Tools.run(kubeconfigEnv(), "helm", "uninstall", release, "-n", operatorNamespace);
      TestCluster.deleteNamespace(apps);
      TestCluster.deleteNamespace(operatorNamespace);
    }
  }

  private static String[] grants(String apps) {
    return new String[] {
      "--set", "watchNamespaces={" + apps + "}", "--set", "clusterRoll=deployment"
    };
  }

  private void helmInstall(String release, String namespace, String... values) {
    String[] command =
        concat(
            new String[] {
              "helm", "install", release, CHART.toString(), "-n", namespace, "--skip-crds"
            },
            values);
    Tools.Result install = Tools.run(kubeconfigEnv(), command);
    assertThat(install.exitCode()).as(install.output()).isZero();
  }

  /** Waits for the operator's Lease to be held by someone other than {@code previous}. */
  private String awaitLeaseHolder(String namespace, String previous) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              var lease =
                  admin.leases().inNamespace(namespace).withName("fleetlm-operator-leader").get();
              return lease == null || lease.getSpec().getHolderIdentity() == null
                  ? null
                  : lease.getSpec().getHolderIdentity();
            },
            holder -> holder != null && !holder.equals(previous));
  }

  private String serviceAccountToken(String namespace, String release) {
    return admin
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(release + "-fleetlm-operator")
        .tokenRequest(
            new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
        .getStatus()
        .getToken();
  }

  private static void assertForbidden(Runnable call) {
    assertThatThrownBy(call::run)
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403));
  }

  private Config tokenConfig(String token) {
    Config adminConfig = admin.getConfiguration();
    // Config.empty(): a plain ConfigBuilder would also pick up the admin kubeconfig's client cert.
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(adminConfig.getMasterUrl())
        .withCaCertData(adminConfig.getCaCertData())
        .withCaCertFile(adminConfig.getCaCertFile())
        .withOauthToken(token)
        .build();
  }

  /** A kubeconfig that authenticates only as the chart's ServiceAccount. */
  private Path writeTokenKubeconfig(String token) {
    return TokenKubeconfig.write(admin, token, null);
  }

  private static Map<String, String> kubeconfigEnv() {
    return TestCluster.kubeconfigEnv();
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
