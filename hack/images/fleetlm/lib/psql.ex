defmodule FleetlmDouble.Psql do
  @moduledoc """
  A PostgreSQL connection of the test double: one `psql` process per connection, spoken to over a
  port. FleetLM talks to PostgreSQL through Postgrex, which Debian does not package; psql it does.
  Errors come back in Postgrex's words (`ERROR 42701 (duplicate_column) ...`).
  """

  @end_of_reply "__fleetlm_double_reply_end__"
  # Ecto waits for the migration lock without a limit; the Job's deadline is the bound.
  @timeout 600_000

  @conditions %{
    "23505" => "unique_violation",
    "25P02" => "in_failed_sql_transaction",
    "28P01" => "invalid_password",
    "3D000" => "invalid_catalog_name",
    "40P01" => "deadlock_detected",
    "42601" => "syntax_error",
    "42701" => "duplicate_column",
    "42703" => "undefined_column",
    "42P01" => "undefined_table",
    "42P07" => "duplicate_table",
    "55P03" => "lock_not_available",
    "57014" => "query_canceled"
  }

  @doc "psql's URL for an Ecto one: same user, password, host, port and database."
  def url(ecto_url) do
    uri = URI.parse(ecto_url)
    %URI{uri | scheme: "postgresql", query: nil, fragment: nil} |> URI.to_string()
  end

  @doc "Opens a connection: `{:ok, conn}`, or `{:error, text}` as psql says why not."
  def connect(ecto_url) do
    psql = System.find_executable("psql") || raise "psql is not in this image"

    port =
      Port.open({:spawn_executable, psql}, [
        :binary,
        :exit_status,
        :stderr_to_stdout,
        {:line, 1_000_000},
        args: [url(ecto_url), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "VERBOSITY=verbose"],
        env: [{~c"PGCONNECT_TIMEOUT", ~c"5"}, {~c"PGAPPNAME", ~c"fleetlm-double"}]
      ])

    case converse(port, "SELECT 1") do
      {:ok, _} -> {:ok, port}
      {:error, text} -> {:error, text}
    end
  end

  @doc "Runs SQL (one or more statements): `{:ok, rows}` (rows of text fields) or `{:error, text}`."
  def query(port, sql), do: converse(port, sql)

  @doc "Like query/2, but raises Postgrex.Error."
  def query!(port, sql) do
    case query(port, sql) do
      {:ok, rows} -> rows
      {:error, text} -> raise Postgrex.Error, message: text
    end
  end

  def close(port) do
    if Port.info(port) != nil, do: Port.close(port)
    :ok
  catch
    :error, :badarg -> :ok
  end

  @doc "A SQL string literal."
  def literal(nil), do: "NULL"
  def literal(text), do: "'" <> String.replace(to_string(text), "'", "''") <> "'"

  # A reply that did not end normally leaves the connection in an unknown state (a half-read
  # reply, an open quote swallowing the marker): it is closed, never used again.
  defp converse(port, sql) do
    Port.command(port, sql <> "\n;\n\\echo " <> @end_of_reply <> "\n")

    case collect(port, [], nil) do
      {:lost, text} ->
        close(port)
        {:error, text}

      reply ->
        reply
    end
  catch
    :error, :badarg -> {:error, "connection closed"}
  end

  # Rows until the end marker; the first ERROR or FATAL line is the reply's error. Errors that only
  # follow an earlier one in the same transaction (25P02) are not the cause.
  defp collect(port, rows, error) do
    receive do
      {^port, {:data, {:eol, @end_of_reply}}} ->
        if error, do: {:error, error}, else: {:ok, Enum.reverse(rows)}

      {^port, {:data, {:eol, line}}} ->
        case classify(line) do
          {:error, text} -> collect(port, rows, error || text)
          :notice -> collect(port, rows, error)
          :blank -> collect(port, rows, error)
          {:row, fields} -> collect(port, [fields | rows], error)
        end

      {^port, {:data, {:noeol, _}}} ->
        collect(port, rows, error)

      {^port, {:exit_status, _}} ->
        {:lost, error || "the connection to the database closed"}
    after
      @timeout -> {:lost, error || "no reply from the database in #{div(@timeout, 1000)} s"}
    end
  end

  defp classify(""), do: :blank

  defp classify("psql: error: " <> text), do: {:error, connection_error(text)}

  # psql's own complaints (a bad meta-command, a lost connection) are errors too, not rows.
  defp classify("invalid command " <> _ = line), do: {:error, line}
  defp classify("server closed the connection" <> _ = line), do: {:error, line}
  defp classify("no connection to the server" <> _ = line), do: {:error, line}
  defp classify("could not send data to server" <> _ = line), do: {:error, line}
  defp classify("The connection to the server was lost" <> _ = line), do: {:error, line}

  defp classify(line) do
    cond do
      match = Regex.run(~r/^(?:ERROR|FATAL|PANIC):\s+([0-9A-Z]{5}): (.*)$/, line) ->
        [_, code, text] = match
        {:error, "ERROR #{code} (#{Map.get(@conditions, code, code)}) #{text}"}

      Regex.match?(~r/^(NOTICE|WARNING|INFO|DEBUG|LOG|LOCATION|DETAIL|HINT|CONTEXT|LINE \d+|STATEMENT|QUERY):/, line) ->
        :notice

      true ->
        {:row, String.split(line, "\t")}
    end
  end

  # "connection to server at "h" (ip), port 5432 failed: FATAL:  28P01: password authentication
  # failed for user "u"": Postgrex says it "FATAL 28P01 (invalid_password) password ...".
  defp connection_error(text) do
    case Regex.run(~r/FATAL:\s+([0-9A-Z]{5}): (.*)$/, text) do
      [_, code, reason] -> "FATAL #{code} (#{Map.get(@conditions, code, code)}) #{reason}"
      nil -> text
    end
  end
end

defmodule Postgrex.Error do
  @moduledoc "Postgrex's exception, by name: the double's database errors read as FleetLM's do."
  defexception [:message]
end

defmodule DBConnection.ConnectionError do
  @moduledoc "DBConnection's exception, by name: raised when the database cannot be reached."
  defexception [:message]
end
