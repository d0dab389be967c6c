defmodule FleetlmDouble.Repo do
  @moduledoc """
  What starting an Ecto repo means here: a process registered under the repo's name that holds its
  URL and lends out psql connections. Without it, Ecto's functions fail as Ecto's do.
  """
  use Agent
  alias FleetlmDouble.Psql

  def start(repo) do
    url = Keyword.get(repo.config(), :url)

    cond do
      Process.whereis(repo) ->
        {:error, {:already_started, Process.whereis(repo)}}

      url in [nil, ""] ->
        raise ArgumentError, "missing the :database key in options for #{inspect(repo)}"

      true ->
        Agent.start(fn -> %{url: url, connections: []} end, name: repo)
    end
  end

  def stop(repo) do
    if pid = Process.whereis(repo) do
      Enum.each(Agent.get(pid, & &1.connections), &Psql.close/1)
      Agent.stop(pid)
    end

    :ok
  end

  @doc "A new connection of a started repo; raises as Ecto does when the repo is not started."
  def connection!(repo) do
    pid =
      Process.whereis(repo) ||
        raise RuntimeError,
              "could not lookup Ecto repo #{inspect(repo)} because it was not started or it does not exist"

    url = Agent.get(pid, & &1.url)

    case Psql.connect(url) do
      {:ok, conn} ->
        Agent.update(pid, &%{&1 | connections: [conn | &1.connections]})
        conn

      {:error, reason} ->
        require Logger
        Logger.error("Postgrex.Protocol (#{inspect(self())}) failed to connect: ** (Postgrex.Error) #{reason}")

        raise DBConnection.ConnectionError,
              "connection not available and request was dropped from queue after 2000ms. " <>
                "The database did not answer: #{reason}"
    end
  end
end

defmodule Fleetlm.Repo do
  @moduledoc "Stands in for FleetLM's Ecto repo: its name, its OTP app and its runtime config."
  def config, do: Keyword.put(Application.get_env(:fleetlm, __MODULE__, []), :otp_app, :fleetlm)
end
