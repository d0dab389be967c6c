package io.fleetlm.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JobFailureMessagesTest {

  @Test
  void credentialsInUrlsAreMaskedWhateverTheScheme() {
    String log =
        "** (DBConnection.ConnectionError) ecto://fleet:s3cret@db:5432/fleetlm refused;"
            + " retry postgres://admin:hunter2@10.0.0.5/x";
    assertThat(JobFailureMessages.redact(log))
        .doesNotContain("s3cret")
        .doesNotContain("hunter2")
        .contains("ecto://***:***@db:5432/fleetlm")
        .contains("postgres://***:***@10.0.0.5/x");
  }

  @Test
  void textWithoutCredentialsIsUnchanged() {
    String message = "ERROR 42P07 (duplicate_table) relation \"users\" already exists";
    assertThat(JobFailureMessages.redact(message)).isEqualTo(message);
  }
}
