defmodule FleetlmDouble.Raft do
  @moduledoc """
  The double's Raft model: settings and the arithmetic every node shares. FleetLM runs 256 `ra`
  groups with three replicas each; the double runs fewer (FLEETLM_STANDIN_GROUPS, default 16) of
  plain records: `%{group: id, cluster: founder, members: [node], epoch: n}`. A group keeps its
  quorum while a majority of its members are connected; without it, its membership cannot change.
  """

  def groups, do: setting("FLEETLM_STANDIN_GROUPS", 16)

  @doc """
  Whether the double behaves as FleetLM's coordinator does (the default): it changes only the
  groups it hosts, removes after an add that did not commit, and a restarted node does not reuse
  its kept directory. FLEETLM_STANDIN_COORDINATOR=every-group restores the double's earlier, kinder
  behaviour, for comparison only.
  """
  def fleetlm_coordinator?, do: System.get_env("FLEETLM_STANDIN_COORDINATOR", "fleetlm") != "every-group"
  def replication_factor, do: 3
  def rebalance_ms, do: setting("FLEETLM_STANDIN_REBALANCE_MS", 200)
  def debounce_ms, do: setting("FLEETLM_STANDIN_DEBOUNCE_MS", 5_000)

  @doc "Rendezvous hashing, as FleetLM's RaftManager places replicas."
  def replicas(nodes, group) do
    nodes
    |> Enum.uniq()
    |> Enum.sort_by(&{:erlang.phash2({group, &1}), &1})
    |> Enum.take(replication_factor())
  end

  def live(members, connected), do: Enum.filter(members, &(&1 in connected))

  @doc "Whether the members in `live` (those that vote) are a majority of `members`."
  def quorum?(members, live), do: length(live(members, live)) > div(length(members), 2)

  @doc """
  The members of a group that can vote: connected and running a server of that group (holding it,
  of the same cluster). A member listed without a server (its `start_cluster` failed) is connected
  but does not vote, as in ra.
  """
  def holders(record, connected \\ connected()) do
    cluster = record.cluster

    Enum.filter(record.members, fn n ->
      n in connected and match?(%{cluster: ^cluster}, held_by(n, record.group))
    end)
  end

  def held_by(n, group) when n == node(), do: FleetlmDouble.Raft.Groups.get(group)

  def held_by(n, group) do
    :erpc.call(n, FleetlmDouble.Raft.Groups, :get, [group], 2_000)
  catch
    _, _ -> nil
  end

  def connected, do: Enum.sort([node() | Node.list()])

  defp setting(name, default) do
    case System.get_env(name) do
      nil -> default
      value -> String.to_integer(value)
    end
  end
end

defmodule FleetlmDouble.Raft.Groups do
  @moduledoc """
  The groups this node is a member of, kept where ra keeps its data when nothing configures it:
  `<working directory>/<node name>/`. The node cannot boot when it cannot write there (FleetLM's
  RaftTopology crashes the same way), and it boots with its groups only if that directory
  survived (a container restart keeps it on a volume, not on the container's own filesystem).
  """
  use GenServer
  alias FleetlmDouble.EventLog

  @table __MODULE__

  def start_link(_), do: GenServer.start_link(__MODULE__, [], name: __MODULE__)

  def all, do: @table |> :ets.tab2list() |> Enum.map(&elem(&1, 1)) |> Enum.sort_by(& &1.group)

  def get(group) do
    case :ets.lookup(@table, group) do
      [{_, record}] -> record
      [] -> nil
    end
  end

  def any? do
    case :ets.info(@table, :size) do
      size when is_integer(size) -> size > 0
      :undefined -> false
    end
  end

  @doc "Takes a group's newer state; refuses one of another cluster of the same name (split brain)."
  def offer(record), do: GenServer.call(__MODULE__, {:offer, record})

  def drop(group), do: GenServer.call(__MODULE__, {:drop, group})

  @impl true
  def init(_) do
    dir = Path.join(File.cwd!(), Atom.to_string(node()))
    File.mkdir_p!(dir)
    file = Path.join(dir, "groups")

    kept =
      case File.read(file) do
        {:ok, bytes} -> :erlang.binary_to_term(bytes)
        {:error, :enoent} -> []
      end

    # FleetLM never calls ra:restart_server: start_cluster and start_server mint fresh uids, so a
    # kept directory is found but not reused (Q6b, inferred).
    reused = if FleetlmDouble.Raft.fleetlm_coordinator?(), do: [], else: kept
    persist!(file, reused)
    :ets.new(@table, [:named_table, :protected, read_concurrency: true])
    Enum.each(reused, &:ets.insert(@table, {&1.group, &1}))

    EventLog.record(
      "booted",
      cond do
        kept == [] -> "no Raft state in #{dir}"
        reused == [] -> "found Raft state of #{length(kept)} groups in #{dir}, not reused: servers start with fresh uids"
        true -> "recovered #{length(reused)} groups from #{dir}"
      end
    )

    {:ok, %{file: file, conflicts: MapSet.new()}}
  end

  @impl true
  def handle_call({:offer, record}, _from, state) do
    case get(record.group) do
      %{cluster: cluster} when cluster != record.cluster ->
        {:reply, {:error, {:other_cluster, cluster}}, note_conflict(state, record, cluster)}

      ^record ->
        {:reply, :ok, state}

      # Membership changes one epoch at a time: a change made from an older view loses.
      %{epoch: epoch} when epoch >= record.epoch ->
        {:reply, {:error, :stale}, state}

      _ ->
        :ets.insert(@table, {record.group, record})
        persist!(state.file, all())
        {:reply, :ok, state}
    end
  end

  def handle_call({:drop, group}, _from, state) do
    :ets.delete(@table, group)
    persist!(state.file, all())
    {:reply, :ok, state}
  end

  defp note_conflict(state, record, ours) do
    key = {record.group, record.cluster}

    if key in state.conflicts do
      state
    else
      EventLog.record(
        "split_brain",
        "group #{record.group}: this node is in the cluster founded by #{ours}; " <>
          "#{record.cluster} offered another of the same name"
      )

      %{state | conflicts: MapSet.put(state.conflicts, key)}
    end
  end

  defp persist!(file, records) do
    File.write!(file <> ".new", :erlang.term_to_binary(records))
    File.rename!(file <> ".new", file)
  end
end
