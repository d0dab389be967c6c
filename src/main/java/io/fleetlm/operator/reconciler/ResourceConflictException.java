package io.fleetlm.operator.reconciler;

import java.util.List;

/** Objects the release would write belong to someone else: the release stops, touching nothing. */
final class ResourceConflictException extends RuntimeException {

  ResourceConflictException(List<String> conflicts) {
    super(String.join("; ", conflicts));
  }
}
