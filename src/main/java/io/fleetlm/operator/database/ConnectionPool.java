package io.fleetlm.operator.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Idle connections kept between reads of the same database with the same credentials, because
 * opening one (TCP, TLS, SCRAM) costs far more than the read. Bounded per database and in total,
 * and closed after a while unused, so that a thousand releases never hold a thousand connections.
 */
final class ConnectionPool implements AutoCloseable {

  /** Opens a new connection. */
  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  /** Work done with a connection; a pooled one has been used before. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private record Idle(Connection connection, long since) {}

  private final int maxIdlePerDatabase;
  private final int maxIdleTotal;
  private final long idleNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Deque<Idle>> idle = new HashMap<>();
  private int idleCount;
  private boolean closed;
  private ScheduledExecutorService evictor;

  ConnectionPool(
      int maxIdlePerDatabase, int maxIdleTotal, Duration idleTimeout, LongSupplier nanoTime) {
    this.maxIdlePerDatabase = maxIdlePerDatabase;
    this.maxIdleTotal = maxIdleTotal;
    this.idleNanos = idleTimeout.toNanos();
    this.nanoTime = nanoTime;
  }

  /** A pool whose idle connections a daemon thread closes once they have waited idleTimeout. */
  static ConnectionPool withEviction(
      int maxIdlePerDatabase, int maxIdleTotal, Duration idleTimeout) {
    ConnectionPool pool =
        new ConnectionPool(maxIdlePerDatabase, maxIdleTotal, idleTimeout, System::nanoTime);
    ScheduledExecutorService evictor =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "fleetlm-jdbc-evictor");
              thread.setDaemon(true);
              return thread;
            });
    long period = Math.max(1, idleTimeout.toMillis() / 2);
    evictor.scheduleWithFixedDelay(pool::evictIdle, period, period, TimeUnit.MILLISECONDS);
    pool.evictor = evictor;
    return pool;
  }

  /**
   * Runs the work on an idle connection of this database if there is one, else on a new one; the
   * connection goes back to the pool if the work succeeded. A pooled connection that turns out to
   * be broken (the server restarted, a proxy dropped it) is closed and the work runs once more on a
   * new one.
   *
   * @param key the database and the credentials, as one opaque value
   */
  <T> T withConnection(String key, Opener opener, Work<T> work) throws SQLException {
    Connection pooled = take(key);
    if (pooled != null) {
      try {
        T result = work.run(pooled);
        giveBack(key, pooled);
        return result;
      } catch (SQLException e) {
        closeQuietly(pooled);
        if (!brokenConnection(e)) {
          throw e;
        }
      } catch (RuntimeException e) {
        closeQuietly(pooled);
        throw e;
      }
    }
    return withNewConnection(key, opener, work);
  }

  /** Runs the work on a new connection, which joins the pool if the work succeeded. */
  <T> T withNewConnection(String key, Opener opener, Work<T> work) throws SQLException {
    Connection fresh = opener.open();
    try {
      T result = work.run(fresh);
      giveBack(key, fresh);
      return result;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(fresh);
      throw e;
    }
  }

  /**
   * Closes every idle connection and stops the evictor; a connection in use when the pool closes is
   * closed when its work ends. On shutdown, so that the databases see the operator's sessions end
   * rather than time out.
   */
  @Override
  public void close() {
    List<Connection> closing = new ArrayList<>();
    synchronized (this) {
      closed = true;
      idle.values().forEach(connections -> connections.forEach(i -> closing.add(i.connection())));
      idle.clear();
      idleCount = 0;
    }
    if (evictor != null) {
      evictor.shutdownNow();
    }
    closing.forEach(ConnectionPool::closeQuietly);
  }

  /** How many connections wait in the pool. */
  synchronized int idleCount() {
    return idleCount;
  }

  synchronized void evictIdle() {
    long now = nanoTime.getAsLong();
    for (Iterator<Deque<Idle>> databases = idle.values().iterator(); databases.hasNext(); ) {
      Deque<Idle> connections = databases.next();
      for (Iterator<Idle> it = connections.iterator(); it.hasNext(); ) {
        Idle entry = it.next();
        if (now - entry.since() >= idleNanos) {
          it.remove();
          idleCount--;
          closeQuietly(entry.connection());
        }
      }
      if (connections.isEmpty()) {
        databases.remove();
      }
    }
  }

  private synchronized Connection take(String key) {
    Deque<Idle> connections = idle.get(key);
    if (connections == null) {
      return null;
    }
    Idle entry = connections.pollLast();
    if (connections.isEmpty()) {
      idle.remove(key);
    }
    if (entry == null) {
      return null;
    }
    idleCount--;
    return entry.connection();
  }

  private void giveBack(String key, Connection connection) {
    boolean kept;
    synchronized (this) {
      Deque<Idle> connections = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
      kept = !closed && connections.size() < maxIdlePerDatabase && idleCount < maxIdleTotal;
      if (kept) {
        connections.addLast(new Idle(connection, nanoTime.getAsLong()));
        idleCount++;
      } else if (connections.isEmpty()) {
        idle.remove(key);
      }
    }
    if (!kept) {
      closeQuietly(connection);
    }
  }

  /**
   * SQLState class 08 is a connection exception (a closed connection says so too); 57P0x is the
   * server ending the session (shutdown, restart, pg_terminate_backend).
   */
  private static boolean brokenConnection(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.startsWith("57P0"));
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      // Nothing to hand back: it is going away either way.
    }
  }
}
