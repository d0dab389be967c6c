package io.fleetlm.operator.kube;

import io.fleetlm.operator.api.ReleaseRecord;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The identities under which a release whose database drifted (spec.migration.onSchemaDrift:
 * Migrate) migrates it again. Each repair is a release of its own, {@code <identity>-r<n>}, so that
 * it gets one Job, one record and one verification like any other, and the rule that an identity
 * with a record never gets a second Job still holds. Identities are hex, so the suffix cannot be
 * mistaken for one.
 *
 * <p>The repair to run is derived from what is stored, not counted in memory: the highest repair
 * recorded plus one. A repair Job created by an operator that stopped before recording it is found
 * again under the same identity.
 */
public final class SchemaRepair {

  private static final Pattern REPAIR = Pattern.compile("^(.+)-r([1-9][0-9]{0,8})$");

  private SchemaRepair() {}

  /**
   * @param identity the spec's identity in its database
   * @param history status.history
   * @return the identity the release answers to now: its newest recorded repair, or itself
   */
  public static String current(String identity, List<ReleaseRecord> history) {
    OptionalInt newest = newestRepair(identity, history);
    return newest.isPresent() ? repairName(identity, newest.getAsInt()) : identity;
  }

  /** The identity of the repair that follows the newest one recorded. */
  public static String next(String identity, List<ReleaseRecord> history) {
    return repairName(identity, newestRepair(identity, history).orElse(0) + 1);
  }

  /**
   * The identity the app's pods are labelled with: a repair changes neither their image nor their
   * database, so it does not replace them.
   */
  public static String podIdentity(String identity) {
    if (identity == null) {
      return null;
    }
    Matcher m = REPAIR.matcher(identity);
    return m.matches() ? m.group(1) : identity;
  }

  private static OptionalInt newestRepair(String identity, List<ReleaseRecord> history) {
    return Objects.requireNonNullElse(history, List.<ReleaseRecord>of()).stream()
        .map(ReleaseRecord::migrationId)
        .filter(Objects::nonNull)
        .map(REPAIR::matcher)
        .filter(m -> m.matches() && m.group(1).equals(identity))
        .mapToInt(m -> Integer.parseInt(m.group(2)))
        .max();
  }

  private static String repairName(String identity, int n) {
    return identity + "-r" + n;
  }
}
