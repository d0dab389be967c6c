package io.fleetlm.operator.database;

/** DATABASE_URL cannot be used; the message is safe to show (it holds no credentials). */
public class InvalidDatabaseUrlException extends RuntimeException {

  public InvalidDatabaseUrlException(String message) {
    super(message);
  }
}
