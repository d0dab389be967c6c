defmodule Fleetlm.Runtime.RaftTopology do
  @moduledoc """
  FleetLM's Raft membership (`lib/fleetlm/runtime/raft_topology.ex@f402d43`), as the double models
  it (with FLEETLM_STANDIN_COORDINATOR=every-group, the double's earlier, kinder coordinator):

  - every second until ready: once `[node() | Node.list()]` reaches the expected size (the number
    of CLUSTER_NODES entries, else 1), a node that sees no peer holding groups and is the lowest
    of the nodes it sees bootstraps every group over them. Nodes that see no one each bootstrap
    alone: that is FleetLM's split brain. A node that comes to a formed cluster starts its groups
    as FleetLM's `start_group` does: where it is the lowest of the group's replica set it calls
    `:ra.start_cluster`, which cannot form a cluster that runs elsewhere (`cluster_not_formed`,
    recorded as `found_attempt`); elsewhere it starts a server that is given the group once a
    member lists it (a restart under the same name: `rejoined`), or waits to be added;
  - a node is ready once it holds every group rendezvous hashing gives it; ready stays;
  - becoming ready, joins and leaves schedule a rebalance, debounced (FleetLM runs the first one at
    once when the node becomes ready; debouncing it too keeps two coordinators from overlapping);
    the lowest ready node coordinates it, one group after another, and only for the groups it
    hosts: for the others FleetLM asks `:ra.members` of the bare cluster name, gets
    `{:error, :noproc}` and skips them (Q6b). For a group it hosts it adds the members the
    placement wants (an rpc to `start_group` on the new node, whose answer it ignores, then
    `:ra.add_member`, which appends the change whether the new node runs a server or not), waits
    a per-group time, then removes the members it no longer wants, whether the adds committed or
    not. A change needs a majority of the new membership to vote (connected and running a server);
    without it the group is stuck: its quorum is lost, and it is recorded.
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

  @doc """
  FleetLM's `RaftManager.start_group/1` on this node, as the coordinator's rpc runs it before an
  add: the lowest node of the group's replica set calls `:ra.start_cluster`, which fails for a
  group that runs elsewhere; any other node starts a server that waits to be added.
  """
  def start_group(group) do
    cond do
      Groups.get(group) != nil -> :ok
      Raft.fleetlm_coordinator?() and lowest_of_replica_set?(group) -> found_attempt(group)
      true -> :ok
    end
  end

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
        if Raft.fleetlm_coordinator?(), do: start_my_groups(nodes)
        again(state)
    end
  end

  def handle_info({:nodeup, peer, _}, state) do
    Logger.info("RaftTopology: node up #{peer}")
    {:noreply, state |> restored() |> schedule_rebalance()}
  end

  def handle_info({:nodedown, peer, _}, state) do
    Logger.warning("RaftTopology: node down #{peer}")
    connected = Raft.connected()

    lost =
      for g <- Groups.all(), peer in g.members, not Raft.quorum?(g.members, Raft.holders(g, connected)),
        do: g

    {:noreply, lost |> Enum.reduce(state, &quorum_lost(&2, &1)) |> schedule_rebalance()}
  end

  def handle_info(:rebalance, state) do
    ready = ready_nodes()

    state =
      if ready != [] and hd(ready) == node() do
        Logger.info("RaftTopology: coordinating rebalance across #{length(ready)} ready nodes")
        pass = %{state: state, changed: [], skipped: []}
        pass = Enum.reduce(0..(Raft.groups() - 1), pass, &rebalance_group/2)

        EventLog.record(
          "rebalanced",
          "over #{length(ready)} ready nodes: groups changed #{inspect(Enum.reverse(pass.changed))}; " <>
            "skipped, not hosted here (:ra.members answered {:error, :noproc}): #{inspect(Enum.reverse(pass.skipped))}"
        )

        pass.state
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

  defp lowest_of_replica_set?(group), do: Enum.min(Raft.replicas(Raft.connected(), group)) == node()

  # Recorded once per group and boot: a node that stays lowest fails the same way at every try.
  defp found_attempt(group) do
    key = {__MODULE__, :found_attempt, group}

    unless :persistent_term.get(key, false) do
      :persistent_term.put(key, true)

      EventLog.record(
        "found_attempt",
        "group #{group}: start_cluster as the lowest of its replica set " <>
          "#{inspect(Enum.sort(Raft.replicas(Raft.connected(), group)))}: cluster_not_formed, " <>
          "the group runs elsewhere; no server started"
      )
    end

    {:error, :cluster_not_formed}
  end

  # A node that came to a formed cluster starts the groups placement gives it.
  defp start_my_groups(nodes) do
    for g <- my_groups(nodes), Groups.get(g) == nil, start_group(g) == :ok do
      case Enum.find_value(Node.list(), &listing_me(&1, g)) do
        nil ->
          :waiting_to_be_added

        record ->
          # Its id is in the membership (a restart under the same name): the leader replicates
          # the group to the fresh server.
          if Groups.offer(record) == :ok do
            EventLog.record("member_added", "group #{g}: #{node()} (rejoined with an empty log)")
          end
      end
    end
  end

  defp listing_me(n, group) do
    case Raft.held_by(n, group) do
      %{members: members} = record -> if node() in members, do: record
      _ -> nil
    end
  end

  defp bootstrap(nodes) do
    founder = "#{node()} at #{DateTime.utc_now() |> DateTime.truncate(:second) |> DateTime.to_iso8601()}"

    refused =
      for g <- 0..(Raft.groups() - 1),
          record <- [%{group: g, cluster: founder, members: Raft.replicas(nodes, g), epoch: 1}],
          member <- record.members,
          offer(member, record) != :ok,
          uniq: true,
          do: member

    EventLog.record(
      "bootstrap",
      "founding members: #{Enum.join(nodes, ", ")}" <>
        if(refused == [], do: "", else: "; refused by #{Enum.join(refused, ", ")}")
    )
  end

  defp ready_nodes do
    Enum.filter(Raft.connected(), fn n ->
      if n == node(), do: ready?(), else: call(n, __MODULE__, :ready?, []) == true
    end)
  end

  # The coordinator's pass over one group: adds, then removes, each needing a majority of voters.
  defp rebalance_group(group, pass) do
    connected = Raft.connected()
    fleetlm = Raft.fleetlm_coordinator?()
    record = if fleetlm, do: Groups.get(group), else: current(group, connected)

    cond do
      record == nil and fleetlm ->
        %{pass | skipped: [group | pass.skipped]}

      record == nil ->
        pass

      not Raft.quorum?(record.members, Raft.holders(record, connected)) ->
        %{pass | state: quorum_lost(pass.state, record)}

      true ->
        desired = Raft.replicas(connected, group)
        wanted = desired -- record.members
        added = Enum.reduce(wanted, record, &add(&2, &1, connected))
        if added != record, do: Process.sleep(Raft.rebalance_ms())
        # FleetLM removes whatever its adds did; the earlier double kept the replicas until every
        # add had succeeded. ra takes no second change while one has not committed.
        done =
          cond do
            not Raft.quorum?(added.members, Raft.holders(added, connected)) -> added
            fleetlm or Enum.all?(wanted, &(&1 in added.members)) -> Enum.reduce(added.members -- desired, added, &remove(&2, &1, connected))
            true -> added
          end

        unless fleetlm, do: restore_holders(done, connected)

        state =
          if Raft.quorum?(done.members, Raft.holders(done, connected)),
            do: pass.state,
            else: quorum_lost(pass.state, done)

        %{pass | state: state, changed: if(done != record, do: [group | pass.changed], else: pass.changed)}
    end
  end

  # The group as its members hold it: the newest epoch of this node's cluster (or of the cluster
  # most nodes hold, when this node holds none). Only the earlier double looks beyond its own.
  defp current(group, connected) do
    held = connected |> Enum.map(&Raft.held_by(&1, group)) |> Enum.filter(&is_map/1)

    ours =
      case Groups.get(group) do
        %{cluster: cluster} -> cluster
        nil -> held |> Enum.frequencies_by(& &1.cluster) |> Enum.max_by(&elem(&1, 1), fn -> {nil, 0} end) |> elem(0)
      end

    held |> Enum.filter(&(&1.cluster == ours)) |> Enum.max_by(& &1.epoch, fn -> nil end)
  end

  defp add(record, member, connected) do
    if Raft.fleetlm_coordinator?(), do: add_as_fleetlm(record, member, connected), else: add_if_started(record, member, connected)
  end

  # FleetLM: rpc start_group (answer ignored), then :ra.add_member, which appends the new membership
  # to the log and uses it at once; it commits only with a majority of the new membership voting.
  defp add_as_fleetlm(record, member, connected) do
    voters = Raft.holders(record, connected)

    if Raft.quorum?(record.members, voters) do
      started = call(member, __MODULE__, :start_group, [record.group])
      changed = %{record | members: record.members ++ [member], epoch: record.epoch + 1}
      new_voters = if started == :ok, do: voters ++ [member], else: voters
      if started == :ok, do: offer(member, changed)
      Enum.each(voters, &offer(&1, changed))

      EventLog.record(
        "member_added",
        "group #{record.group}: #{member}" <>
          if(started == :ok, do: "", else: " (its server did not start: #{inspect(started)}; a member with no server)") <>
          if(Raft.quorum?(changed.members, new_voters), do: "", else: "; the change did not commit")
      )

      changed
    else
      record
    end
  end

  # The earlier double: the member must take the group before it counts.
  defp add_if_started(record, member, connected) do
    changed = %{record | members: record.members ++ [member], epoch: record.epoch + 1}

    with true <- Raft.quorum?(changed.members, Raft.holders(record, connected) ++ [member]),
         :ok <- offer(member, changed) do
      Enum.each(Raft.holders(record, connected), &offer(&1, changed))
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
    voters = Raft.holders(record, connected) -- [member]

    if Raft.quorum?(changed.members, voters) do
      Enum.each(voters, &offer(&1, changed))
      if member in connected, do: call(member, Groups, :drop, [record.group])
      EventLog.record("member_removed", "group #{record.group}: #{member}")
      changed
    else
      record
    end
  end

  # The earlier double: a member whose log was lost (it restarted under the same name without its
  # directory) gets the group again from the coordinator.
  defp restore_holders(record, connected) do
    for n <- Raft.live(record.members, connected), Raft.held_by(n, record.group) == nil do
      if offer(n, record) == :ok do
        EventLog.record("member_added", "group #{record.group}: #{n} (its log was empty: re-replicated)")
      end
    end
  end

  defp quorum_lost(state, record) do
    if record.group in state.lost do
      state
    else
      voters = Raft.holders(record, Raft.connected())

      EventLog.record(
        "quorum_lost",
        "group #{record.group}: #{length(voters)}/#{length(record.members)} members live (#{Enum.join(record.members, ", ")})"
      )

      %{state | lost: MapSet.put(state.lost, record.group)}
    end
  end

  defp restored(state) do
    back =
      Enum.filter(state.lost, fn g ->
        record = Groups.get(g)
        record != nil and Raft.quorum?(record.members, Raft.holders(record))
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
  @moduledoc """
  FleetLM's names for a group's ra server and cluster, and its placement question
  (`raft_manager.ex@f402d43`): `should_participate?/1` is true when rendezvous hashing over the
  nodes this node knows puts a replica of the group on it. FleetLM hashes over Presence's nodes
  (joining and ready); the double over the connected ones. A group id past the double's groups is
  placed nowhere.
  """
  alias FleetlmDouble.Raft

  def should_participate?(group) when group < 0, do: false

  def should_participate?(group) do
    group < Raft.groups() and node() in Raft.replicas(Raft.connected(), group)
  end

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
        if Raft.quorum?(record.members, Raft.holders(record)),
          do: {:ok, ids(name, record.members), leader(name, record)},
          else: {:timeout, {name, host}}
    end
  end

  defp ids(name, members), do: Enum.map(members, &{name, &1})

  defp leader(name, record) do
    case Raft.holders(record) do
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
