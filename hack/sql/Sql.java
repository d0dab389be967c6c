import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A psql stand-in for the demo, so that it needs no PostgreSQL client package: runs each argument
 * after the connection settings as SQL, or standard input when there is none, and prints result
 * rows with '|' between columns. Run as a single-file program:
 * java -cp postgresql.jar hack/sql/Sql.java JDBC_URL USER PASSWORD [SQL ...]
 */
public class Sql {
  public static void main(String[] args) throws SQLException, IOException {
    if (args.length < 3) {
      System.err.println("usage: Sql JDBC_URL USER PASSWORD [SQL ...]");
      System.exit(2);
    }
    List<String> statements = new ArrayList<>(List.of(args).subList(3, args.length));
    if (statements.isEmpty()) {
      statements.add(new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
    }
    try (Connection connection = DriverManager.getConnection(args[0], args[1], args[2]);
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        boolean rows = statement.execute(sql);
        while (true) {
          if (rows) {
            print(statement.getResultSet());
          } else if (statement.getUpdateCount() == -1) {
            break;
          }
          rows = statement.getMoreResults();
        }
      }
    }
  }

  private static void print(ResultSet result) throws SQLException {
    int columns = result.getMetaData().getColumnCount();
    while (result.next()) {
      List<String> values = new ArrayList<>();
      for (int i = 1; i <= columns; i++) {
        values.add(String.valueOf(result.getObject(i)));
      }
      System.out.println(String.join("|", values));
    }
  }
}
