defmodule FleetlmDouble.Application do
  @moduledoc """
  The running node, children in FleetLM's order (`lib/fleetlm/application.ex`): the database side
  (here the event log), the Raft runtime, then libcluster, then the HTTP endpoint last. A child that
  cannot start stops the application, and the release with it.
  """
  use Application

  @impl true
  def start(_type, [app]) do
    url = Keyword.get(Application.get_env(app, repo(app), []), :url)

    children =
      [
        url && {FleetlmDouble.EventLog, url},
        FleetlmDouble.Raft.Groups,
        Fleetlm.Runtime.RaftTopology,
        {FleetlmDouble.Cluster, app},
        {FleetlmDouble.Endpoint, app}
      ]
      |> Enum.reject(&is_nil/1)

    Supervisor.start_link(children, strategy: :one_for_one, name: FleetlmDouble.Supervisor)
  end

  defp repo(:fleetlm), do: Fleetlm.Repo
  defp repo(:fastpaca), do: Fastpaca.Repo
end
