defmodule Fleetlm.Release do
  @moduledoc """
  FleetLM's release helper (`lib/fleetlm/release.ex`), with the same contract: `migrate/0` runs
  every repo up inside `Ecto.Migrator.with_repo/2` and crashes on anything but `{:ok, _, _}`;
  `rollback/2` takes the repo as a module or as the string `"Elixir.Fleetlm.Repo"` and runs it
  down to a version, inclusive. Neither starts the application.
  """
  @app :fleetlm

  def migrate do
    Application.load(@app)

    for repo <- Application.fetch_env!(@app, :ecto_repos) do
      {:ok, _, _} = Ecto.Migrator.with_repo(repo, &Ecto.Migrator.run(&1, :up, all: true))
    end

    :ok
  end

  def rollback(repo, version) do
    Application.load(@app)
    repo = if is_binary(repo), do: String.to_existing_atom(repo), else: repo
    {:ok, _, _} = Ecto.Migrator.with_repo(repo, &Ecto.Migrator.run(&1, :down, to: version))
    :ok
  end
end
