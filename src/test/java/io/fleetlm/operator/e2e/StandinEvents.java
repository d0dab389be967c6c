package io.fleetlm.operator.e2e;

import io.fleetlm.operator.it.TestDatabase;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * What the FleetLM test double did, as it records it in the table fleetlm_standin_events of the
 * release's database: who (pod, Erlang node, image) did what (event) with which detail.
 */
record StandinEvents(TestDatabase db, String database) {

  record Event(Instant at, String pod, String node, String image, String event, String detail) {}

  /** The double has not written to this database (yet, while a test awaits its first event). */
  static final class NoEventTable extends AssertionError {
    NoEventTable(String message) {
      super(message);
    }
  }

  /**
   * Every event, in order. A database without the table fails: "no events" must be read from a
   * table that exists (see {@link #createTable}), never from one the double did not write.
   */
  List<Event> all() {
    if (db.column(database, "SELECT to_regclass('fleetlm_standin_events')::text").get(0) == null) {
      throw new NoEventTable(
          "database "
              + database
              + " has no table fleetlm_standin_events: the double never wrote an event there");
    }
    return db
        .column(
            database,
            "SELECT concat_ws(E'\\t', (extract(epoch FROM at) * 1000)::bigint, pod, node, image,"
                + " event, detail) FROM fleetlm_standin_events ORDER BY at")
        .stream()
        .map(row -> row.split("\t", 6))
        .map(
            f ->
                new Event(
                    Instant.ofEpochMilli(Long.parseLong(f[0])),
                    f[1],
                    f[2],
                    f[3],
                    f[4],
                    f.length > 5 ? f[5] : ""))
        .toList();
  }

  /**
   * Creates the table as the double does (the same columns, the same lock), for a test that asserts
   * that an event did not happen.
   */
  StandinEvents createTable() {
    db.execute(
        database,
        "SELECT pg_advisory_lock(4242001)",
        "CREATE TABLE IF NOT EXISTS fleetlm_standin_events (at timestamptz DEFAULT now(), pod text,"
            + " node text, image text, event text, detail text)",
        "SELECT pg_advisory_unlock(4242001)");
    return this;
  }

  List<Event> of(String event) {
    return all().stream().filter(e -> e.event().equals(event)).toList();
  }

  /** Waits until at least this many events of the kind were recorded; returns them. */
  List<Event> await(String event, int atLeast) {
    return Awaitility.await()
        .atMost(RealNode.TIMEOUT)
        .ignoreException(NoEventTable.class)
        .until(() -> of(event), events -> events.size() >= atLeast);
  }
}
