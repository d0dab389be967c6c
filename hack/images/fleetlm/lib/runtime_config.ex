defmodule FleetlmDouble.RuntimeConfig do
  @moduledoc """
  FleetLM's `config/runtime.exs` (prod) as the release evaluates it before `start` and `eval`: the
  same variables, defaults and order, and the same failures. DATABASE_URL and SECRET_KEY_BASE
  missing raise; an integer variable that is not an integer raises ArgumentError (which names no
  variable, as in FleetLM). Fastpaca-era images need no DATABASE_URL.
  """

  def load!(app) do
    load(app)
  rescue
    error ->
      IO.puts("ERROR! Config provider Config.Reader failed with:")
      reraise error, __STACKTRACE__
  end

  defp load(:fleetlm) do
    cluster_nodes = env("CLUSTER_NODES")

    database_url =
      env("DATABASE_URL") ||
        raise """
        environment variable DATABASE_URL is missing.
        For example: ecto://USER:PASS@HOST/DATABASE
        """

    Application.put_env(:fleetlm, Fleetlm.Repo,
      url: database_url,
      pool_size: integer("POOL_SIZE", "25"),
      queue_target: integer("DB_QUEUE_TARGET", "2000"),
      queue_interval: integer("DB_QUEUE_INTERVAL", "500"),
      timeout: integer("DB_TIMEOUT", "30000"),
      ownership_timeout: integer("DB_OWNERSHIP_TIMEOUT", "60000")
    )

    endpoint(:fleetlm)

    Application.put_env(:fleetlm, :cluster,
      dns_query: env("DNS_CLUSTER_QUERY"),
      dns_poll_interval: integer("DNS_POLL_INTERVAL_MS", "5000"),
      node_basename: env("DNS_CLUSTER_NODE_BASENAME") || "fleetlm",
      hosts: hosts(cluster_nodes)
    )
  end

  defp load(:fastpaca) do
    archiver = env("FASTPACA_ARCHIVER_ENABLED") in ~w(true 1 yes on)

    if url = archiver && (env("DATABASE_URL") || env("FASTPACA_POSTGRES_URL")) do
      Application.put_env(:fastpaca, Fastpaca.Repo, url: url, pool_size: integer("DB_POOL_SIZE", "10"))
    end

    endpoint(:fastpaca)

    Application.put_env(:fastpaca, :cluster,
      dns_query: env("DNS_CLUSTER_QUERY"),
      dns_poll_interval: integer("DNS_POLL_INTERVAL_MS", "5000"),
      node_basename: env("DNS_CLUSTER_NODE_BASENAME") || "fastpaca",
      hosts: hosts(env("CLUSTER_NODES"))
    )
  end

  defp endpoint(app) do
    secret_key_base =
      env("SECRET_KEY_BASE") ||
        raise """
        environment variable SECRET_KEY_BASE is missing.
        You can generate one by calling: mix phx.gen.secret
        """

    Application.put_env(app, :endpoint,
      host: env("PHX_HOST") || "example.com",
      port: integer("PORT", "4000"),
      secret_key_base: secret_key_base
    )
  end

  defp hosts(nil), do: []
  defp hosts(nodes), do: nodes |> String.split(",") |> Enum.map(&String.trim/1) |> Enum.reject(&(&1 == "")) |> Enum.map(&String.to_atom/1)

  defp env(name) do
    case System.get_env(name) do
      "" when name in ["CLUSTER_NODES", "DNS_CLUSTER_QUERY"] -> nil
      value -> value
    end
  end

  defp integer(name, default), do: String.to_integer(System.get_env(name) || default)
end
