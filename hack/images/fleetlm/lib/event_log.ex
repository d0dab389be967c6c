defmodule FleetlmDouble.EventLog do
  @moduledoc """
  What the double did, for the tests to read: rows of `fleetlm_standin_events` in the release's own
  database (DATABASE_URL), one per event, with the pod, the Erlang node and the image. Migrations
  insert theirs in the migration's own transaction (see Ecto.Migrator); a running node sends its
  events through this process, in order, and keeps them while the database does not answer.
  FleetLM has no such table: it is the double's record, not part of FleetLM's contract.
  """
  use GenServer
  require Logger
  alias FleetlmDouble.Psql

  @retry_ms 1_000

  @doc "Creates the table, under the lock the migrator takes to create its own."
  def create_table_sql do
    "BEGIN; SELECT pg_advisory_xact_lock(4242001); " <>
      "CREATE TABLE IF NOT EXISTS fleetlm_standin_events (at timestamptz DEFAULT now(), " <>
      "pod text, node text, image text, event text, detail text); COMMIT"
  end

  @doc "The row of an event, stamped with this node's clock when it happened."
  def insert_sql(event, detail) do
    at = DateTime.utc_now() |> DateTime.to_iso8601()
    values = Enum.map_join([at, pod(), Atom.to_string(node()), image(), event, detail], ", ", &Psql.literal/1)
    "INSERT INTO fleetlm_standin_events (at, pod, node, image, event, detail) VALUES (#{values})"
  end

  def start_link(url), do: GenServer.start_link(__MODULE__, url, name: __MODULE__)

  @doc "Records an event of the running node (and says it in the log)."
  def record(event, detail) do
    Logger.info("fleetlm-double #{event}: #{detail}")
    GenServer.cast(__MODULE__, {:record, insert_sql(event, detail)})
  end

  @impl true
  def init(url), do: {:ok, %{url: url, conn: nil, queue: :queue.new(), waiting: false}}

  @impl true
  def handle_cast({:record, sql}, state) do
    state = %{state | queue: :queue.in(sql, state.queue)}
    {:noreply, if(state.waiting, do: state, else: flush(state))}
  end

  @impl true
  def handle_info(:retry, state), do: {:noreply, flush(%{state | waiting: false})}
  def handle_info(_port_message, state), do: {:noreply, state}

  defp retry_later(state) do
    Process.send_after(self(), :retry, @retry_ms)
    %{state | waiting: true}
  end

  defp flush(%{conn: nil} = state) do
    with {:ok, conn} <- Psql.connect(state.url),
         {:ok, _} <- Psql.query(conn, create_table_sql()) do
      flush(%{state | conn: conn})
    else
      {:error, reason} ->
        Logger.warning("fleetlm-double: events wait for the database: #{reason}")
        retry_later(state)
    end
  end

  defp flush(state) do
    case :queue.peek(state.queue) do
      :empty ->
        state

      {:value, sql} ->
        case Psql.query(state.conn, sql) do
          {:ok, _} ->
            flush(%{state | queue: :queue.drop(state.queue)})

          {:error, _} ->
            Psql.close(state.conn)
            retry_later(%{state | conn: nil})
        end
    end
  end

  defp pod, do: System.get_env("HOSTNAME", "unknown")
  defp image, do: System.get_env("FLEETLM_STANDIN_IMAGE", "unknown")
end
