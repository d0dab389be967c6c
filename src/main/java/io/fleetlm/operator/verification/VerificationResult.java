package io.fleetlm.operator.verification;

import java.util.List;

/**
 * Outcome of comparing a history table with what a release expects.
 *
 * @param reason CamelCase reason for the MigrationsVerified condition
 * @param message what was found and, on failure, how to fix it
 */
public record VerificationResult(
    boolean passed,
    String reason,
    String message,
    String latestVersion,
    List<String> missing,
    List<String> ahead) {}
