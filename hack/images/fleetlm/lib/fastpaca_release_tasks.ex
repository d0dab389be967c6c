defmodule Fastpaca.ReleaseTasks do
  @moduledoc false
  # Fastpaca's helper (after FleetLM's rename): migrate/0 only, no rollback.
  @app :fastpaca

  def migrate do
    Application.load(@app)

    for repo <- Application.fetch_env!(@app, :ecto_repos) do
      {:ok, _, _} = Ecto.Migrator.with_repo(repo, &Ecto.Migrator.run(&1, :up, all: true))
    end

    :ok
  end
end

defmodule Fastpaca.Repo do
  @moduledoc "Stands in for Fastpaca's Ecto repo."
  def config, do: Keyword.put(Application.get_env(:fastpaca, __MODULE__, []), :otp_app, :fastpaca)
end
