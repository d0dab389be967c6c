package io.fleetlm.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.database.AppliedMigration;
import io.fleetlm.operator.database.SchemaHistory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RollbackPlanTest {

  @Test
  void theHelperIsCalledWithTheTargetPlusOneSoThatEverythingAboveTheTargetIsReverted() {
    // Numeric order, not text order: 999 < 1001 < 20240412120000.
    RollbackPlan plan = RollbackPlan.of(ecto("20240412120000", "999", "1001", "1003"), "999");

    assertThat(plan.needsJob()).isTrue();
    assertThat(plan.reverted()).containsExactly("1001", "1003", "20240412120000");
    assertThat(plan.inclusiveBound())
        .as("Ecto's to: is inclusive; target + 1 also reverts a version applied after the plan")
        .isEqualTo("1000");
    assertThat(plan.describe()).isEqualTo("3 migration(s) above 999 (1001, 1003, 20240412120000)");
  }

  @Test
  void nothingAboveTheTargetNeedsNoJob() {
    RollbackPlan plan = RollbackPlan.of(ecto("1000", "1001"), "1001");
    assertThat(plan.needsJob()).isFalse();
    assertThat(plan.describe()).isEqualTo("nothing above 1001");
  }

  @Test
  void aTargetThatIsNotAppliedNeedsNoJobBecauseNoRollbackCanReachIt() {
    RollbackPlan plan = RollbackPlan.of(ecto("1000", "1003"), "1002");
    assertThat(plan.needsJob()).isFalse();
    assertThat(plan.describe()).isEqualTo("1002 is not applied");
  }

  @Test
  void aMissingHistoryTableHasNothingToRollBack() {
    assertThat(RollbackPlan.of(SchemaHistory.missing("schema_migrations"), "1").needsJob())
        .isFalse();
  }

  private static SchemaHistory ecto(String... versions) {
    return new SchemaHistory(
        "schema_migrations",
        true,
        Arrays.stream(versions).map(v -> new AppliedMigration(v, true)).toList());
  }
}
