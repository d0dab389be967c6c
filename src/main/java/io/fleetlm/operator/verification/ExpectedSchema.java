package io.fleetlm.operator.verification;

import io.fleetlm.operator.api.MigrationSpec;
import io.fleetlm.operator.api.MigrationTool;
import io.fleetlm.operator.api.SchemaAheadPolicy;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a release requires to find applied in its database.
 *
 * @param rollbackTo the version the database must end at (nothing above it applied), or null
 */
public record ExpectedSchema(
    MigrationTool tool,
    String historyTable,
    String expectedVersion,
    Set<String> required,
    SchemaAheadPolicy schemaAhead,
    String rollbackTo) {

  public ExpectedSchema(
      MigrationTool tool, String historyTable, String expectedVersion, Set<String> required) {
    this(tool, historyTable, expectedVersion, required, SchemaAheadPolicy.Block, null);
  }

  public boolean rollback() {
    return rollbackTo != null;
  }

  public static ExpectedSchema of(MigrationSpec migration) {
    MigrationSpec settings = Objects.requireNonNullElseGet(migration, MigrationSpec::new);
    MigrationTool tool = Objects.requireNonNullElse(settings.getTool(), MigrationTool.ECTO);
    Set<String> required = new LinkedHashSet<>();
    if (settings.getExpectedVersion() != null) {
      required.add(settings.getExpectedVersion());
    }
    required.addAll(Objects.requireNonNullElse(settings.getRequiredVersions(), List.of()));
    if (settings.getRollbackTo() != null) {
      required.add(settings.getRollbackTo());
    }
    String table =
        settings.getHistoryTable() == null || settings.getHistoryTable().isEmpty()
            ? tool.defaultHistoryTable()
            : settings.getHistoryTable();
    return new ExpectedSchema(
        tool,
        table,
        settings.getExpectedVersion(),
        required,
        Objects.requireNonNullElse(settings.getSchemaAhead(), SchemaAheadPolicy.Block),
        settings.getRollbackTo());
  }
}
