defmodule FleetlmDouble.Boot do
  @moduledoc """
  What the release script runs before `eval` and for `start`: runtime config first (it raises as
  FleetLM's does), then, for `start`, the application, permanent as in a release.
  """

  def eval(app) do
    logger()
    FleetlmDouble.RuntimeConfig.load!(app)
    :ok = Application.load(app)
  end

  def start(app) do
    eval(app)
    # A permanent application that cannot start stops the VM (exit 1, "Kernel pid terminated").
    {:ok, _} = Application.ensure_all_started(app, :permanent)
  end

  defp logger do
    Logger.configure_backend(:console, format: "$time [$level] $message\n", metadata: [])
    Logger.configure(level: :info)
  end
end
