defmodule FleetlmDouble.Endpoint do
  @moduledoc """
  FleetLM's HTTP surface on PORT (4000), dual stack, started last as FleetLM's endpoint is:

  - `GET /metrics`: Prometheus text, 200 as soon as the endpoint is up (FleetLM's PromEx says
    nothing about Raft either); the double's gauges are its own;
  - `/api/...`: FleetLM's routes answer JSON (`/api/agents`, `/api/sessions`), others 404;
  - `/socket/websocket`: Phoenix's check_origin: a request whose Origin host is not the endpoint's
    host (PHX_HOST, default example.com) is refused with 403; otherwise the upgrade is accepted;
  - no health route: anything else is 404.
  """
  require Logger
  alias FleetlmDouble.Raft.Groups

  def child_spec(app), do: %{id: __MODULE__, start: {__MODULE__, :start_link, [app]}}

  def start_link(app) do
    config = Application.fetch_env!(app, :endpoint)

    {:ok, socket} =
      :gen_tcp.listen(config[:port], [
        :binary,
        :inet6,
        {:ipv6_v6only, false},
        packet: :http_bin,
        active: false,
        reuseaddr: true
      ])

    Logger.info("Running FleetlmWeb.Endpoint with the double at :::#{config[:port]} (http)")
    pid = spawn_link(fn -> accept(socket, config[:host]) end)
    :ok = :gen_tcp.controlling_process(socket, pid)
    {:ok, pid}
  end

  defp accept(socket, host) do
    {:ok, client} = :gen_tcp.accept(socket)
    handler = spawn(fn -> serve(client, host) end)
    :ok = :gen_tcp.controlling_process(client, handler)
    send(handler, :go)
    accept(socket, host)
  end

  defp serve(client, host) do
    receive do
      :go -> :ok
    end

    with {:ok, {:http_request, method, {:abs_path, path}, _}} <- :gen_tcp.recv(client, 0, 5_000),
         {:ok, headers} <- headers(client, %{}) do
      {status, content_type, body, extra} = route(method, path, headers, host)
      reply(client, status, content_type, body, extra)
    end

    :gen_tcp.close(client)
  end

  defp headers(client, acc) do
    case :gen_tcp.recv(client, 0, 5_000) do
      {:ok, {:http_header, _, name, _, value}} -> headers(client, Map.put(acc, String.downcase(to_string(name)), value))
      {:ok, :http_eoh} -> {:ok, acc}
      other -> other
    end
  end

  defp route(:GET, "/metrics", _headers, _host), do: {200, "text/plain; version=0.0.4", metrics(), []}
  defp route(:GET, "/api/agents", _headers, _host), do: {200, "application/json", ~s({"data":[]}), []}
  defp route(:GET, "/api/sessions", _headers, _host), do: {200, "application/json", ~s({"sessions":[]}), []}
  defp route(_, "/api/" <> _, _headers, _host), do: {404, "application/json", ~s({"errors":{"detail":"Not Found"}}), []}

  defp route(:GET, "/socket/websocket" <> _, headers, host) do
    origin = headers["origin"]

    cond do
      origin != nil and URI.parse(origin).host != host ->
        Logger.error("Could not check origin for Phoenix.Socket transport.\n\nOrigin of the request: #{origin}")
        {403, "text/plain", "", []}

      String.downcase(headers["upgrade"] || "") == "websocket" and headers["sec-websocket-key"] ->
        accept = :crypto.hash(:sha, headers["sec-websocket-key"] <> "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
        {101, nil, "", [{"upgrade", "websocket"}, {"connection", "Upgrade"}, {"sec-websocket-accept", Base.encode64(accept)}]}

      true ->
        {400, "text/plain", "", []}
    end
  end

  defp route(_, _, _headers, _host), do: {404, "text/plain", "Not Found", []}

  defp metrics do
    """
    # HELP fleetlm_double_raft_groups Raft groups this node is a member of.
    # TYPE fleetlm_double_raft_groups gauge
    fleetlm_double_raft_groups #{length(Groups.all())}
    # HELP fleetlm_double_raft_ready 1 once this node is a member of all its groups.
    # TYPE fleetlm_double_raft_ready gauge
    fleetlm_double_raft_ready #{if Fleetlm.Runtime.RaftTopology.ready?(), do: 1, else: 0}
    # HELP fleetlm_double_cluster_nodes Erlang nodes connected, this one included.
    # TYPE fleetlm_double_cluster_nodes gauge
    fleetlm_double_cluster_nodes #{length(Node.list()) + 1}
    """
  end

  defp reply(client, status, content_type, body, extra) do
    reason = %{101 => "Switching Protocols", 200 => "OK", 400 => "Bad Request", 403 => "Forbidden", 404 => "Not Found"}[status]
    type = if content_type, do: [{"content-type", content_type}], else: []
    length = if status == 101, do: [], else: [{"content-length", Integer.to_string(byte_size(body))}]
    head = Enum.map(type ++ length ++ extra, fn {k, v} -> [k, ": ", v, "\r\n"] end)
    :gen_tcp.send(client, ["HTTP/1.1 #{status} #{reason}\r\n", head, "\r\n", body])
  end
end
