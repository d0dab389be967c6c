defmodule FleetlmDouble.Cluster do
  @moduledoc """
  libcluster 3.5 as FleetLM configures it. With DNS_CLUSTER_QUERY: DNSPoll, which looks the name
  up (A and AAAA) once when it starts and then every DNS_POLL_INTERVAL_MS, connects to
  `<basename>@<address>` for each address but its own, and disconnects the nodes whose address left
  the answer. With CLUSTER_NODES: the Epmd strategy, which connects to the listed nodes once.
  """
  use GenServer
  require Logger

  def start_link(app), do: GenServer.start_link(__MODULE__, app, name: __MODULE__)

  @impl true
  def init(app) do
    config = Application.fetch_env!(app, :cluster)
    config[:hosts] |> Enum.reject(&(&1 == node())) |> Enum.each(&connect(&1, "local"))

    if query = config[:dns_query] do
      state = %{query: query, basename: config[:node_basename], interval: config[:dns_poll_interval], known: []}
      {:ok, poll(state)}
    else
      :ignore
    end
  end

  @impl true
  def handle_info(:poll, state), do: {:noreply, poll(state)}

  defp poll(state) do
    found = resolve(state.query) |> Enum.map(&:"#{state.basename}@#{:inet.ntoa(&1)}") |> Enum.reject(&(&1 == node()))

    for gone <- state.known -- found, gone in Node.list() do
      Node.disconnect(gone)
      Logger.info("[libcluster:fleetlm_dns] disconnected from #{inspect(gone)}")
    end

    for peer <- found, peer not in Node.list(), do: connect(peer, "fleetlm_dns")
    Process.send_after(self(), :poll, state.interval)
    %{state | known: found}
  end

  defp connect(peer, topology) do
    case Node.connect(peer) do
      true -> Logger.info("[libcluster:#{topology}] connected to #{inspect(peer)}")
      _ -> Logger.warning("[libcluster:#{topology}] unable to connect to #{inspect(peer)}")
    end
  end

  defp resolve(query) do
    name = String.to_charlist(query)
    :inet_res.lookup(name, :in, :a) ++ :inet_res.lookup(name, :in, :aaaa)
  end
end
