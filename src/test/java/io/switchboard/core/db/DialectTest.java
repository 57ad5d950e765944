package io.switchboard.core.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.VertxException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

class DialectTest {

  @Test
  void postgresParametersBecomeJdbcPlaceholdersForH2() {
    String sql = "SELECT a FROM t WHERE b = $1 AND c <= $2 LIMIT $3";
    assertThat(Dialect.POSTGRES.sql(sql)).isEqualTo(sql);
    assertThat(Dialect.H2.sql(sql)).isEqualTo("SELECT a FROM t WHERE b = ? AND c <= ? LIMIT ?");
    assertThatThrownBy(() -> Dialect.H2.sql("SELECT $2, $1")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void migrationTypesAreFilledPerDialect() {
    assertThat(Dialect.POSTGRES.migration("data ${json}, note ${text}")).isEqualTo("data JSONB, note TEXT");
    assertThat(Dialect.H2.migration("data ${json}")).isEqualTo("data CHARACTER VARYING");
    assertThatThrownBy(() -> Dialect.H2.migration("x ${blob}")).hasMessageContaining("blob");
  }

  @Test
  void jsonRoundTripsAsTextOnH2AndAsValuesOnPostgres() {
    JsonObject object = new JsonObject().put("a", new JsonArray().add(1));
    assertThat(Dialect.H2.json(object)).isEqualTo("{\"a\":[1]}");
    assertThat(Dialect.H2.jsonValue("{\"a\":[1]}")).isEqualTo(object);
    assertThat(Dialect.H2.jsonValue("\"text\"")).isEqualTo("text");
    assertThat(Dialect.POSTGRES.json(object)).isSameAs(object);
    assertThat(Dialect.POSTGRES.jsonValue(io.vertx.sqlclient.Tuple.JSON_NULL)).isNull();
  }

  @Test
  void unreachableDatabasesAreToldApartFromRefusedStatements() {
    assertThat(Dialect.isUnavailable(new ConnectException("Connection refused"))).isTrue();
    assertThat(Dialect.isUnavailable(new VertxException("Connection is closed"))).isTrue();
    assertThat(Dialect.isUnavailable(new SQLException("terminating connection", "57P01"))).isTrue();
    assertThat(Dialect.isUnavailable(new SQLException("duplicate key", "23505"))).isFalse();
    assertThat(Dialect.isUniqueViolation(new RuntimeException(new SQLException("dup", "23505")))).isTrue();
    assertThat(Dialect.isUnavailable(new IllegalStateException("bug"))).isFalse();
    // H2: a statement that ran on into a session killed under it, as the JDBC client hands it over
    SQLException closed = org.h2.message.DbException.convert(new org.h2.mvstore.MVStoreException(4, "Transaction 1 is closed"))
        .getSQLException();
    assertThat(closed.getSQLState()).isEqualTo("HY000");
    assertThat(Dialect.isUnavailable(new RuntimeException(closed))).isTrue();
    assertThat(Dialect.isUnavailable(new SQLException("general error elsewhere", "HY000", 1))).isFalse();
  }

  @Test
  void scriptsSplitIntoStatementsAtLineEndSemicolons() {
    List<String> statements = Migrations.statements("-- comment\nCREATE TABLE a (\n  x INT\n);\n\nINSERT INTO a VALUES (1);\n");
    assertThat(statements).containsExactly("CREATE TABLE a (\nx INT\n)", "INSERT INTO a VALUES (1)");
  }

  @Test
  void theEventStoreMigrationsAreFoundInVersionOrder() {
    List<Migrations.Script> scripts = Migrations.scripts("eventstore");
    assertThat(scripts).isNotEmpty();
    assertThat(scripts.get(0).version()).isEqualTo(1);
    assertThatThrownBy(() -> Migrations.scripts("no-such-module")).hasMessageContaining("db/no-such-module");
  }
}
