package io.fleetlm.operator.rollout;

import io.fleetlm.operator.database.AppliedMigration;
import io.fleetlm.operator.database.SchemaHistory;
import java.math.BigInteger;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What rolling an Ecto database back to a version means for the rows it holds: the versions above
 * the target are reverted. {@code Ecto.Migrator.run(repo, :down, to: v)} reverts {@code v} too, so
 * the helper is called with the target + 1: every version above the target is at least that,
 * including one applied after this plan was made.
 *
 * @param target the version the database should end at
 * @param targetApplied whether the target itself is applied (a rollback cannot bring it back)
 * @param reverted applied versions above the target, oldest first
 */
public record RollbackPlan(String target, boolean targetApplied, List<String> reverted) {

  private static final int LISTED = 10;

  public static RollbackPlan of(SchemaHistory history, String target) {
    BigInteger to = new BigInteger(target);
    List<BigInteger> applied =
        history.rows().stream()
            .filter(AppliedMigration::success)
            .map(AppliedMigration::version)
            .filter(v -> v.chars().allMatch(Character::isDigit) && !v.isEmpty())
            .map(BigInteger::new)
            .sorted()
            .toList();
    return new RollbackPlan(
        target,
        applied.contains(to),
        applied.stream().filter(v -> v.compareTo(to) > 0).map(BigInteger::toString).toList());
  }

  /** A Job only runs when there is something to revert down to an applied target. */
  public boolean needsJob() {
    return targetApplied && !reverted.isEmpty();
  }

  /** The argument for Fleetlm.Release.rollback: Ecto's inclusive to:, just above the target. */
  public String inclusiveBound() {
    return new BigInteger(target).add(BigInteger.ONE).toString();
  }

  public String describe() {
    if (!targetApplied) {
      return target + " is not applied";
    }
    if (reverted.isEmpty()) {
      return "nothing above " + target;
    }
    String shown = reverted.stream().limit(LISTED).collect(Collectors.joining(", "));
    return reverted.size()
        + " migration(s) above "
        + target
        + " ("
        + (reverted.size() > LISTED
            ? shown + " and " + (reverted.size() - LISTED) + " more"
            : shown)
        + ")";
  }
}
