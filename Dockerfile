# Built outside this repository's CI (our machines have no container engine):
#   docker build -t ghcr.io/fleetlm/fleetlm-operator:0.1.0 .
# Stage 1 builds the Quarkus fast-jar; stage 2 is a small JRE image running as non-root.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
COPY crds ./crds
COPY helm/fleetlm-operator/crds ./helm/fleetlm-operator/crds
COPY deploy/crds ./deploy/crds
COPY hack/check-generated.sh ./hack/check-generated.sh
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre-alpine
LABEL org.opencontainers.image.title="fleetlm-operator" \
      org.opencontainers.image.description="Migrates, verifies, then rolls out FleetLM releases"
WORKDIR /deployments
# Quarkus fast-jar layout: dependencies change less often than the application, so copy them first.
COPY --from=build --chown=185:185 /src/target/quarkus-app/lib/ ./lib/
COPY --from=build --chown=185:185 /src/target/quarkus-app/*.jar ./
COPY --from=build --chown=185:185 /src/target/quarkus-app/app/ ./app/
COPY --from=build --chown=185:185 /src/target/quarkus-app/quarkus/ ./quarkus/
USER 185:185
EXPOSE 8080
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp"
# The root filesystem is read-only in the Helm chart; /tmp is an emptyDir.
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /deployments/quarkus-run.jar"]
