package io.fleetlm.operator.kube;

/** Told of every Event that could not be written, so that losing one is counted, never silent. */
@FunctionalInterface
public interface EventLoss {

  /**
   * @param cause {@code queue_full} (more Events waited than the queue holds) or {@code refused}
   *     (the API server did not take it)
   */
  void lost(String cause);
}
