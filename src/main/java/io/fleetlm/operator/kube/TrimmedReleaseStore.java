package io.fleetlm.operator.kube;

import io.fleetlm.operator.api.FleetlmRelease;

/** The releases' informer cache, trimmed; a class of its own so an annotation can name it. */
public class TrimmedReleaseStore extends TrimmedItemStore<FleetlmRelease> {}
