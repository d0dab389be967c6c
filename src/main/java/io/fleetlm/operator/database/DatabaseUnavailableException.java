package io.fleetlm.operator.database;

/** The database could not be reached or answered with an error; worth retrying later. */
public class DatabaseUnavailableException extends Exception {

  public DatabaseUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
