package io.fleetlm.operator.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseUrlTest {

  @Test
  void ectoUrlBecomesJdbcUrlWithCredentialsInProperties() {
    DatabaseUrl url = DatabaseUrl.parse("ecto://fleet:s3cr%40t@db.internal:6432/fleetlm_prod");
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6432/fleetlm_prod");
    assertThat(url.properties().getProperty("user")).isEqualTo("fleet");
    assertThat(url.properties().getProperty("password")).isEqualTo("s3cr@t");
  }

  @Test
  void postgresSchemesAndDefaultPortAreAccepted() {
    assertThat(DatabaseUrl.parse("postgres://u:p@h/db").jdbcUrl())
        .isEqualTo("jdbc:postgresql://h:5432/db");
    assertThat(DatabaseUrl.parse("postgresql://u:p@h:5433/db").jdbcUrl())
        .isEqualTo("jdbc:postgresql://h:5433/db");
  }

  @Test
  void ectoSslOptionTurnsIntoSslModeRequire() {
    DatabaseUrl url = DatabaseUrl.parse("ecto://u:p@h/db?ssl=true&pool_size=10");
    assertThat(url.properties().getProperty("sslmode")).isEqualTo("require");
    assertThat(DatabaseUrl.parse("ecto://u:p@h/db?sslmode=verify-full").properties())
        .containsEntry("sslmode", "verify-full");
  }

  @Test
  void ipv6HostIsBracketed() {
    assertThat(DatabaseUrl.parse("ecto://u:p@[::1]:5432/db").jdbcUrl())
        .isEqualTo("jdbc:postgresql://[::1]:5432/db");
  }

  @Test
  void passwordNeverAppearsInTextOrErrors() {
    DatabaseUrl url = DatabaseUrl.parse("ecto://fleet:hunter2@h/db");
    assertThat(url.toString()).doesNotContain("hunter2").contains("fleet");
    assertThat(url.jdbcUrl()).doesNotContain("hunter2");
    assertThatThrownBy(() -> DatabaseUrl.parse("mysql://fleet:hunter2@h/db"))
        .isInstanceOf(InvalidDatabaseUrlException.class)
        .hasMessageContaining("mysql")
        .message()
        .doesNotContain("hunter2");
  }

  @Test
  void missingPartsAreNamed() {
    assertThatThrownBy(() -> DatabaseUrl.parse("ecto://u:p@h"))
        .hasMessageContaining("names no database");
    assertThatThrownBy(() -> DatabaseUrl.parse(" ")).hasMessageContaining("empty");
    assertThatThrownBy(() -> DatabaseUrl.parse("ecto://u:p@h:port/db"))
        .isInstanceOf(InvalidDatabaseUrlException.class);
  }
}
