package io.fleetlm.operator.bench;

import io.fleetlm.operator.it.TestCluster;
import io.fleetlm.operator.it.Tools;

/**
 * The flow users have without the operator: a chart whose pre-upgrade hook Job migrates, then `helm
 * upgrade --wait` rolls the Deployment and waits for it (src/test/resources/bench).
 */
final class HelmHookFlow {

  private static final String CHART = "src/test/resources/bench/hook-chart";

  private final String namespace;
  private final String name;
  private final String database;

  HelmHookFlow(String namespace, String name, String database) {
    this.namespace = namespace;
    this.name = name;
    this.database = database;
  }

  /** Installs or upgrades to the image and returns how long helm took, in seconds. */
  double upgradeTo(String image) {
    long start = System.nanoTime();
    Tools.Result result =
        Tools.run(
            TestCluster.kubeconfigEnv(),
            "helm",
            "upgrade",
            "--install",
            name,
            CHART,
            "--namespace",
            namespace,
            "--wait",
            "--timeout",
            "3m",
            "--set",
            "image=" + image,
            "--set",
            "database=" + database);
    double seconds = (System.nanoTime() - start) / 1e9;
    if (result.exitCode() != 0) {
      throw new IllegalStateException("helm upgrade failed:\n" + result.output());
    }
    return seconds;
  }
}
