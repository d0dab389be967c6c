package io.fleetlm.operator.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Every figure of one make bench run, as written to results.json. */
final class BenchResults {

  public Map<String, String> machine = new TreeMap<>();
  public double migrationSeconds;
  public List<Startup> startups = new ArrayList<>();
  public Upgrades upgrades = new Upgrades();
  public List<Scale> scale = new ArrayList<>();

  /** Process start → first status write (first reconcile), and → readiness, per start. */
  static final class Startup {
    public String variant;
    public List<Double> firstReconcileSeconds = new ArrayList<>();
    public List<Double> readySeconds = new ArrayList<>();
    public List<Double> quarkusBootSeconds = new ArrayList<>();
    public List<Double> informerSyncSeconds = new ArrayList<>();
    public double idleRssMiB;
  }

  /** Wall time of the same upgrade, by the operator and by a Helm hook, alternating. */
  static final class Upgrades {
    public List<Double> operatorSeconds = new ArrayList<>();
    public List<Double> helmSeconds = new ArrayList<>();
  }

  /** N releases created at once. */
  static final class Scale {
    public int releases;
    public double wallSeconds;
    public List<Double> readySeconds = new ArrayList<>();
    public List<Double> jobCompleteSeconds = new ArrayList<>();
    public List<Double> reactionMs = new ArrayList<>();
    public List<Double> floorMs = new ArrayList<>();

    /** The client-go floor's reaction (empty when it was not built). */
    public List<Double> goFloorMs = new ArrayList<>();

    public double idleRssMiB;
    public double peakRssMiB;
    public double afterRssMiB;
    public double cpuSeconds;
    public Map<String, Long> requests = new TreeMap<>();

    /** Requests of a restarted operator over the same releases, all Ready: nothing to change. */
    public Map<String, Long> requestsAfterRestart = new TreeMap<>();

    public List<String> firstReleaseStatusTrail = new ArrayList<>();

    /** The operator's reconcile passes over the run, by step ({@link PassSteps}). */
    public Map<String, PassSteps.StepTime> passSteps = new LinkedHashMap<>();
  }
}
