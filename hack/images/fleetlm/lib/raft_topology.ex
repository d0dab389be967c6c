defmodule Fleetlm.Runtime.RaftTopology do
  @moduledoc """
  FleetLM's Raft membership (`lib/fleetlm/runtime/raft_topology.ex`), as the double models it:

  - every second until ready: once `[node() | Node.list()]` reaches the expected size (the number
    of CLUSTER_NODES entries, else 1), a node that sees no peer holding groups and is the lowest
    of the nodes it sees bootstraps every group over them. Nodes that see no one each bootstrap
    alone: that is FleetLM's split brain;
  - a node is ready once it is a member of every group rendezvous hashing gives it; ready stays;
  - becoming ready, joins and leaves schedule a rebalance, debounced (FleetLM runs the first one at
    once when the node becomes ready; debouncing it too keeps two coordinators from overlapping);
    the lowest ready node coordinates it: one
    group after another, it adds the members the placement wants (then waits a per-group time for
    the change to commit) before it removes the ones it no longer wants. A group without a
    majority of its members connected cannot change: its quorum is lost, and it is recorded.
  """
  use GenServer
  require Logger
  alias FleetlmDouble.{EventLog, Raft}
  alias FleetlmDouble.Raft.Groups

  @check_ms 1_000
  @call_timeout 2_000

  def start_link(_), do: GenServer.start_link(__MODULE__, [], name: __MODULE__)

  @doc "True once this node is a member of all its groups (FleetLM's ready?/0)."
  def ready?, do: :persistent_term.get({__MODULE__, :ready}, false)

  @impl true
  def init(_) do
    :persistent_term.put({__MODULE__, :ready}, false)
    :ok = :net_kernel.monitor_nodes(true, node_type: :visible)
    Process.send_after(self(), :check_readiness, @check_ms)
    {:ok, %{status: :joining, timer: nil, lost: MapSet.new()}}
  end

  @impl true
  def handle_info(:check_readiness, %{status: :ready} = state), do: {:noreply, state}

  def handle_info(:check_readiness, state) do
    nodes = Raft.connected()
    expected = expected_size()

    cond do
      length(nodes) < expected ->
        Logger.info("RaftTopology: waiting for cluster (#{length(nodes)}/#{expected} nodes connected)")
        again(state)

      not Groups.any?() and not cluster_elsewhere?() ->
        if hd(nodes) == node(), do: bootstrap(nodes)
        again(state)

      joined_all?(nodes) ->
        :persistent_term.put({__MODULE__, :ready}, true)
        EventLog.record("ready", "member of #{length(my_groups(nodes))} of #{Raft.groups()} groups")
        {:noreply, schedule_rebalance(%{state | status: :ready})}

      true ->
        again(state)
    end
  end

  def handle_info({:nodeup, peer, _}, state) do
    Logger.info("RaftTopology: node up #{peer}")
    {:noreply, state |> restored() |> schedule_rebalance()}
  end

  def handle_info({:nodedown, peer, _}, state) do
    Logger.warning("RaftTopology: node down #{peer}")
    lost = for g <- Groups.all(), peer in g.members, not Raft.quorum?(g.members, Raft.connected()), do: g
    {:noreply, lost |> Enum.reduce(state, &quorum_lost(&2, &1)) |> schedule_rebalance()}
  end

  def handle_info(:rebalance, state) do
    ready = ready_nodes()

    state =
      if ready != [] and hd(ready) == node() do
        Logger.info("RaftTopology: coordinating rebalance across #{length(ready)} ready nodes")
        Enum.reduce(0..(Raft.groups() - 1), state, &rebalance_group/2)
      else
        state
      end

    {:noreply, %{state | timer: nil}}
  end

  defp again(state) do
    Process.send_after(self(), :check_readiness, @check_ms)
    {:noreply, state}
  end

  defp schedule_rebalance(%{timer: nil} = state) do
    %{state | timer: Process.send_after(self(), :rebalance, Raft.debounce_ms())}
  end

  defp schedule_rebalance(state), do: state

  defp expected_size do
    case System.get_env("CLUSTER_NODES") do
      value when value in [nil, ""] -> 1
      value -> value |> String.split(",") |> Enum.map(&String.trim/1) |> Enum.reject(&(&1 == "")) |> length()
    end
  end

  defp my_groups(nodes), do: for(g <- 0..(Raft.groups() - 1), node() in Raft.replicas(nodes, g), do: g)

  defp joined_all?(nodes) do
    Enum.all?(my_groups(nodes), fn g ->
      case Groups.get(g) do
        %{members: members} -> node() in members
        nil -> false
      end
    end)
  end

  defp cluster_elsewhere? do
    Enum.any?(Node.list(), &(call(&1, Groups, :any?, []) == true))
  end

  defp bootstrap(nodes) do
    founder = "#{node()} at #{DateTime.utc_now() |> DateTime.truncate(:second) |> DateTime.to_iso8601()}"

    EventLog.record("bootstrap", "founding members: #{Enum.join(nodes, ", ")}")

    for g <- 0..(Raft.groups() - 1) do
      record = %{group: g, cluster: founder, members: Raft.replicas(nodes, g), epoch: 1}
      Enum.each(record.members, &offer(&1, record))
    end
  end

  defp ready_nodes do
    Enum.filter(Raft.connected(), fn n ->
      if n == node(), do: ready?(), else: call(n, __MODULE__, :ready?, []) == true
    end)
  end

  # The coordinator's pass over one group: adds before removes, each needing a majority.
  defp rebalance_group(group, state) do
    connected = Raft.connected()

    case current(group, connected) do
      nil ->
        state

      record ->
        if Raft.quorum?(record.members, connected) do
          desired = Raft.replicas(connected, group)
          wanted = desired -- record.members
          added = Enum.reduce(wanted, record, &add(&2, &1, connected))
          if added != record, do: Process.sleep(Raft.rebalance_ms())
          # Members go only once every wanted one is in: an add that failed is tried again by the
          # next pass, and the group keeps its replicas meanwhile.
          done =
            if Enum.all?(wanted, &(&1 in added.members)),
              do: Enum.reduce(added.members -- desired, added, &remove(&2, &1, connected)),
              else: added

          restore_holders(done, connected)
          state
        else
          quorum_lost(state, record)
        end
    end
  end

  # The group as its members hold it: the newest epoch of this node's cluster (or of the cluster
  # most nodes hold, when this node holds none).
  defp current(group, connected) do
    held = connected |> Enum.map(&held_by(&1, group)) |> Enum.filter(&is_map/1)

    ours =
      case Groups.get(group) do
        %{cluster: cluster} -> cluster
        nil -> held |> Enum.frequencies_by(& &1.cluster) |> Enum.max_by(&elem(&1, 1), fn -> {nil, 0} end) |> elem(0)
      end

    held |> Enum.filter(&(&1.cluster == ours)) |> Enum.max_by(& &1.epoch, fn -> nil end)
  end

  defp add(record, member, connected) do
    changed = %{record | members: record.members ++ [member], epoch: record.epoch + 1}

    with true <- Raft.quorum?(changed.members, connected),
         :ok <- offer(member, changed) do
      Enum.each(Raft.live(record.members, connected), &offer(&1, changed))
      EventLog.record("member_added", "group #{record.group}: #{member}")
      changed
    else
      _ ->
        Logger.warning("RaftTopology: could not add #{member} to group #{record.group}")
        record
    end
  end

  defp remove(record, member, connected) do
    changed = %{record | members: record.members -- [member], epoch: record.epoch + 1}

    if Raft.quorum?(changed.members, connected) do
      Enum.each(Raft.live(changed.members, connected), &offer(&1, changed))
      if member in connected, do: call(member, Groups, :drop, [record.group])
      EventLog.record("member_removed", "group #{record.group}: #{member}")
      changed
    else
      record
    end
  end

  # A member whose log was lost (it restarted under the same name without its directory) gets the
  # group again from the others.
  defp restore_holders(record, connected) do
    for n <- Raft.live(record.members, connected), held_by(n, record.group) == nil do
      offer(n, record)
      EventLog.record("member_added", "group #{record.group}: #{n} (its log was empty: re-replicated)")
    end
  end

  defp held_by(n, group) when n == node(), do: Groups.get(group)
  defp held_by(n, group), do: call(n, Groups, :get, [group])

  defp quorum_lost(state, record) do
    if record.group in state.lost do
      state
    else
      live = Raft.live(record.members, Raft.connected())

      EventLog.record(
        "quorum_lost",
        "group #{record.group}: #{length(live)}/#{length(record.members)} members live (#{Enum.join(record.members, ", ")})"
      )

      %{state | lost: MapSet.put(state.lost, record.group)}
    end
  end

  defp restored(state) do
    back =
      Enum.filter(state.lost, fn g ->
        record = Groups.get(g)
        record != nil and Raft.quorum?(record.members, Raft.connected())
      end)

    %{state | lost: MapSet.difference(state.lost, MapSet.new(back))}
  end

  defp offer(n, record) when n == node(), do: Groups.offer(record)
  defp offer(n, record), do: call(n, Groups, :offer, [record])

  defp call(n, module, fun, args) do
    :erpc.call(n, module, fun, args, @call_timeout)
  catch
    kind, reason -> {:error, {kind, reason}}
  end
end

defmodule Fleetlm.Runtime.RaftManager do
  @moduledoc "FleetLM's names for a group's ra server and cluster."
  def server_id(group), do: String.to_atom("raft_group_#{group}")
  def cluster_name(group), do: String.to_atom("raft_cluster_#{group}")
  def group_of(server_id), do: server_id |> Atom.to_string() |> String.replace_prefix("raft_group_", "") |> String.to_integer()
end

defmodule :ra do
  @moduledoc """
  `ra:members/1,2` as FleetLM calls it, over the double's groups: `{:ok, members, leader}` with
  server ids `{:raft_group_N, node}`; `{:timeout, server}` when the group has no leader (no quorum);
  `{:error, :noproc}` when the node does not host the group; `{:error, :nodedown}` when the node is
  unreachable. `{:local, server}` answers from the node's own view, as ra's does.
  """
  alias FleetlmDouble.Raft
  alias FleetlmDouble.Raft.Groups

  def members(server, timeout \\ 5_000)

  def members({:local, {name, host}}, timeout) when host != node() do
    remote(host, {:local, {name, host}}, timeout)
  end

  def members({:local, {name, _}}, _timeout) do
    case Groups.get(Fleetlm.Runtime.RaftManager.group_of(name)) do
      nil -> {:error, :noproc}
      record -> {:ok, ids(name, record.members), leader(name, record)}
    end
  end

  def members({name, host}, timeout) when host != node(), do: remote(host, {name, host}, timeout)

  def members({name, host}, _timeout) do
    case Groups.get(Fleetlm.Runtime.RaftManager.group_of(name)) do
      nil ->
        {:error, :noproc}

      record ->
        if Raft.quorum?(record.members, Raft.connected()),
          do: {:ok, ids(name, record.members), leader(name, record)},
          else: {:timeout, {name, host}}
    end
  end

  defp ids(name, members), do: Enum.map(members, &{name, &1})

  defp leader(name, record) do
    case Raft.live(record.members, Raft.connected()) do
      [] -> :undefined
      live -> {name, Enum.min(live)}
    end
  end

  defp remote(host, server, timeout) do
    :erpc.call(host, :ra, :members, [server, timeout], timeout)
  catch
    :error, {:erpc, :noconnection} -> {:error, :nodedown}
    :error, {:erpc, :timeout} -> {:timeout, server}
  end
end
