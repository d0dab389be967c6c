package io.fleetlm.operator.observability;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Where one reconcile pass spends its time, step by step, as {@code
 * fleetlm_reconcile_step_seconds{step}}: {@code make bench} reports it beside the reaction it
 * measures, and an operator that reacts slowly says which step is slow. Each step ends where the
 * next begins, so the steps of a pass add up to the pass.
 */
public final class ReconcileSteps {

  /** The steps of a pass, in the order they run. */
  public enum Step {
    /** The database Secret and what the informers may not hold yet. */
    OBSERVE,
    /** The migration step: the Job, the database claim, the history table read. */
    MIGRATION,
    /** The reads that keep the release off someone else's objects, before its first write. */
    OWNERSHIP,
    /** The Deployment, or the FleetLM nodes the operator starts itself. */
    APP,
    /** The Services and the PodDisruptionBudget. */
    CLUSTER,
    /** The status, computed and written. */
    STATUS,
    /** Events and metrics of what changed. */
    ANNOUNCE;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final MeterRegistry registry;
  private final LongSupplier nanoTime;
  private long stepStarted;

  ReconcileSteps(MeterRegistry registry, LongSupplier nanoTime) {
    this.registry = registry;
    this.nanoTime = nanoTime;
    this.stepStarted = nanoTime.getAsLong();
  }

  /** Records the time since the previous step ended (or the pass began) as this step's. */
  public void ended(Step step) {
    long now = nanoTime.getAsLong();
    Timer.builder("fleetlm_reconcile_step_seconds")
        .description("Time a reconcile pass spent in each step")
        .tag("step", step.tag())
        .register(registry)
        .record(now - stepStarted, TimeUnit.NANOSECONDS);
    stepStarted = now;
  }
}
