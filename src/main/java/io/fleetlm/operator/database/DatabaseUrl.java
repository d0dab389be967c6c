package io.fleetlm.operator.database;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * FleetLM's DATABASE_URL (as Ecto reads it: ecto://, postgres:// or postgresql://) turned into a
 * JDBC URL and connection properties. The password only ever lives in the properties, never in the
 * URL or in {@link #toString()}, so it cannot leak into logs or status.
 */
public final class DatabaseUrl {

  private final String jdbcUrl;
  private final Properties properties;

  private DatabaseUrl(String jdbcUrl, Properties properties) {
    this.jdbcUrl = jdbcUrl;
    this.properties = properties;
  }

  /**
   * @throws InvalidDatabaseUrlException with a message that never contains the URL's credentials
   */
  public static DatabaseUrl parse(String databaseUrl) {
    if (databaseUrl == null || databaseUrl.isBlank()) {
      throw new InvalidDatabaseUrlException("DATABASE_URL is empty");
    }
    URI uri;
    try {
      uri = new URI(databaseUrl.trim());
    } catch (URISyntaxException e) {
      throw new InvalidDatabaseUrlException(
          "DATABASE_URL is not a URL of the form ecto://USER:PASSWORD@HOST:PORT/DATABASE");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
    if (!scheme.equals("ecto") && !scheme.equals("postgres") && !scheme.equals("postgresql")) {
      throw new InvalidDatabaseUrlException(
          "DATABASE_URL scheme '"
              + scheme
              + "' is not supported; use ecto://, postgres:// or postgresql://");
    }
    if (uri.getHost() == null) {
      throw new InvalidDatabaseUrlException("DATABASE_URL has no host");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String database = decode(path.startsWith("/") ? path.substring(1) : path);
    if (database.isEmpty()) {
      throw new InvalidDatabaseUrlException("DATABASE_URL names no database (…/DATABASE)");
    }
    Properties properties = new Properties();
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      properties.setProperty("user", decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
      if (colon >= 0) {
        properties.setProperty("password", decode(userInfo.substring(colon + 1)));
      }
    }
    applyQueryOptions(uri.getRawQuery(), properties);
    // java.net.URI already keeps the brackets of an IPv6 literal.
    String host = uri.getHost();
    int port = uri.getPort() < 0 ? 5432 : uri.getPort();
    String jdbcUrl = "jdbc:postgresql://" + host + ":" + port + "/" + encodePathSegment(database);
    return new DatabaseUrl(jdbcUrl, properties);
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  /** Which database this is, as host:port/name: no user, no password, no options. */
  public String identity() {
    return jdbcUrl.substring("jdbc:postgresql://".length());
  }

  /** A copy, so callers can add timeouts without changing this value. */
  public Properties properties() {
    Properties copy = new Properties();
    copy.putAll(properties);
    return copy;
  }

  @Override
  public String toString() {
    return jdbcUrl + " (user " + properties.getProperty("user", "<none>") + ")";
  }

  /** Ecto's ssl=true means "use TLS"; libpq-style sslmode passes through. */
  private static void applyQueryOptions(String rawQuery, Properties properties) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      switch (key) {
        case "ssl" -> {
          if (value.equals("true")) {
            properties.setProperty("sslmode", "require");
          }
        }
        case "sslmode" -> properties.setProperty("sslmode", value);
        default -> {
          // Other Ecto options (pool_size, timeouts) configure the app, not verification.
        }
      }
    }
  }

  private static String decode(String value) {
    return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String encodePathSegment(String database) {
    return database.replace("%", "%25").replace("/", "%2F").replace("?", "%3F");
  }
}
