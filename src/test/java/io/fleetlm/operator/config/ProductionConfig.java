package io.fleetlm.operator.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;

/** The operator's settings as the packaged operator has them when nothing overrides them. */
public final class ProductionConfig {

  private ProductionConfig() {}

  public static OperatorConfig defaults() {
    return new SmallRyeConfigBuilder()
        .withConverter(Duration.class, 100, new DurationConverter())
        .withMapping(OperatorConfig.class)
        .build()
        .getConfigMapping(OperatorConfig.class);
  }
}
