package io.fleetlm.operator.database;

/** The database could not be reached or answered with an error; worth retrying later. */
public class DatabaseUnavailableException extends Exception {

  /** PostgreSQL's SQLSTATE class 28: invalid authorization (wrong user or password). */
  private static final String AUTHORIZATION_CLASS = "28";

  private final String sqlState;

  public DatabaseUnavailableException(String message, Throwable cause) {
    this(message, cause, null);
  }

  public DatabaseUnavailableException(String message, Throwable cause, String sqlState) {
    super(message, cause);
    this.sqlState = sqlState;
  }

  /** The database refused the credentials: retrying will not help until they change. */
  public boolean credentialsRefused() {
    return sqlState != null && sqlState.startsWith(AUTHORIZATION_CLASS);
  }
}
