package io.fleetlm.operator.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;

/** The operator's settings as the packaged operator has them when nothing overrides them. */
public final class ProductionConfig {

  private ProductionConfig() {}

  public static OperatorConfig defaults() {
    return with(Map.of());
  }

  /** The defaults with some settings changed, as an operator started with them would have them. */
  public static OperatorConfig with(Map<String, String> settings) {
    return new SmallRyeConfigBuilder()
        .withConverter(Duration.class, 100, new DurationConverter())
        .withMapping(OperatorConfig.class)
        .withDefaultValues(settings)
        .build()
        .getConfigMapping(OperatorConfig.class);
  }
}
