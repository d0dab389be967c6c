package io.fleetlm.operator.verification;

import io.fleetlm.operator.api.Reason;
import java.util.List;

/**
 * Outcome of comparing a history table with what a release expects.
 *
 * @param reason the reason for the MigrationsVerified condition
 * @param message what was found and, on failure, how to fix it
 */
public record VerificationResult(
    boolean passed,
    Reason reason,
    String message,
    String latestVersion,
    List<String> missing,
    List<String> ahead) {}
