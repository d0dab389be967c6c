package io.fleetlm.operator.reconciler;

import io.fleetlm.operator.api.MigrationTool;
import io.fleetlm.operator.database.AppliedMigration;
import io.fleetlm.operator.database.DatabaseUnavailableException;
import io.fleetlm.operator.database.DatabaseUrl;
import io.fleetlm.operator.database.SchemaHistory;
import io.fleetlm.operator.database.SchemaHistoryReader;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A database whose history table the test sets, or that does not answer. */
final class FakeSchemaHistoryReader implements SchemaHistoryReader {

  private List<String> applied;
  private final Map<String, List<String>> appliedByDatabase = new HashMap<>();
  private String unavailable;
  private boolean refusesCredentials;
  int reads;
  int probes;

  void applied(String... versions) {
    this.applied = Arrays.asList(versions);
    this.unavailable = null;
  }

  /** Another database (host:port/name) with its own history; the others keep theirs. */
  void appliedIn(String database, String... versions) {
    appliedByDatabase.put(database, Arrays.asList(versions));
  }

  void noTable() {
    this.applied = null;
    this.unavailable = null;
  }

  void down(String message) {
    this.unavailable = message;
  }

  void refusesCredentials() {
    this.refusesCredentials = true;
  }

  void up() {
    this.unavailable = null;
    this.refusesCredentials = false;
  }

  @Override
  public void probe(DatabaseUrl database) throws DatabaseUnavailableException {
    probes++;
    if (refusesCredentials) {
      throw new DatabaseUnavailableException("password authentication failed", null, "28P01");
    }
    if (unavailable != null) {
      throw new DatabaseUnavailableException(unavailable, null, "08001");
    }
  }

  @Override
  public SchemaHistory read(DatabaseUrl database, MigrationTool tool, String table)
      throws DatabaseUnavailableException {
    reads++;
    if (unavailable != null) {
      throw new DatabaseUnavailableException(unavailable, null);
    }
    List<String> versions = appliedByDatabase.getOrDefault(database.identity(), applied);
    if (versions == null) {
      return SchemaHistory.missing(table);
    }
    return new SchemaHistory(
        table, true, versions.stream().map(v -> new AppliedMigration(v, true)).toList());
  }
}
