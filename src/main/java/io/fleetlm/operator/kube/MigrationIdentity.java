package io.fleetlm.operator.kube;

import io.fleetlm.operator.api.FleetlmReleaseSpec;
import io.fleetlm.operator.api.MigrationSpec;
import io.fleetlm.operator.api.MigrationTool;
import io.fleetlm.operator.api.SchemaAheadPolicy;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Identity of a migration: a hash of everything that decides what the migration does (image and
 * migration settings). Env, replicas or probes do not change it, so editing them never re-runs a
 * migration; changing the image, the command, the expected versions or runId does.
 */
public final class MigrationIdentity {

  private static final int LENGTH = 10;

  private MigrationIdentity() {}

  public static String of(FleetlmReleaseSpec spec) {
    MigrationSpec migration =
        Objects.requireNonNullElseGet(spec.getMigration(), MigrationSpec::new);
    String canonical =
        String.join(
            "\n",
            "image=" + spec.getImage(),
            "tool=" + toolOf(migration),
            "command=" + joined(migration.getCommand()),
            "args=" + joined(migration.getArgs()),
            "expectedVersion=" + Objects.toString(migration.getExpectedVersion(), ""),
            "requiredVersions=" + sortedJoined(migration.getRequiredVersions()),
            "historyTable=" + Objects.toString(migration.getHistoryTable(), ""),
            "runId=" + Objects.toString(migration.getRunId(), ""));
    // Allowing a newer schema changes the verdict, so it is a new release to verify; Block, the
    // default, adds nothing, so that identities from before the setting existed stay the same.
    if (migration.getSchemaAhead() == SchemaAheadPolicy.Allow) {
      canonical += "\nschemaAhead=Allow";
    }
    if (migration.getRollbackTo() != null) {
      canonical +=
          "\nrollbackTo="
              + migration.getRollbackTo()
              + "\nrollbackImage="
              + Objects.toString(migration.getRollbackImage(), "");
    }
    return ResourceNames.shortHash(canonical, LENGTH);
  }

  static MigrationTool toolOf(MigrationSpec migration) {
    return Objects.requireNonNullElse(migration.getTool(), MigrationTool.ECTO);
  }

  private static String joined(List<String> parts) {
    return parts == null ? "" : String.join("\u0000", parts);
  }

  private static String sortedJoined(List<String> parts) {
    return parts == null ? "" : String.join(",", new TreeSet<>(parts));
  }
}
