package io.fleetlm.operator.reconciler;

import java.time.Duration;

/** Delays between attempts to read an unreachable database: doubling from initial up to max. */
public record BackoffSettings(Duration initial, Duration max) {}
