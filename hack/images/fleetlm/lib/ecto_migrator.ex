defmodule Ecto.MigrationError do
  @moduledoc "Ecto's exception, by name."
  defexception [:message]
end

defmodule Ecto.Migrator do
  @moduledoc """
  The part of ecto_sql's `Ecto.Migrator` that FleetLM's release helper and its docs call, with
  Ecto's semantics over psql:

  - `with_repo/2,3` starts the repo, runs the function, stops the repo: `{:ok, result, apps}`;
  - `run/3` takes `all: true`, `to: v` (inclusive), `to_exclusive: v` or `step: n`; it holds
    `LOCK TABLE schema_migrations IN SHARE UPDATE EXCLUSIVE MODE` on one connection for the whole
    run, reads what is applied under it, and runs each migration in its own transaction on
    another connection, recording its version in that transaction;
  - going down, an applied version the image has no file for is skipped (Ecto only reverts
    migrations it has), and a file without a down part fails;
  - `migrations/1,2` lists `{:up | :down, version, name}`, with `"** FILE NOT FOUND **"` for applied
    versions the image lacks;
  - all of them raise when the repo was not started, as Ecto does.

  Migrations are files `<version>_<name>.up.sql` (and `.down.sql`) in the app's
  `priv/repo/migrations`, not Elixir modules.
  """
  require Logger
  alias FleetlmDouble.{EventLog, Psql, Repo}

  @not_found "** FILE NOT FOUND **"

  def with_repo(repo, fun, _opts \\ []) do
    case Repo.start(repo) do
      {:ok, _} ->
        try do
          {:ok, fun.(repo), [:ecto_sql]}
        after
          Repo.stop(repo)
        end

      {:error, reason} ->
        {:error, reason}
    end
  end

  def migrations_path(repo), do: Application.app_dir(repo.config()[:otp_app], "priv/repo/migrations")

  def migrations(repo), do: migrations(repo, [migrations_path(repo)])

  def migrations(repo, dirs, _opts \\ []) do
    conn = Repo.connection!(repo)
    ensure_tables(conn)
    applied = applied_versions(conn)
    files = migration_files(List.wrap(dirs))
    in_files = MapSet.new(files, & &1.version)

    listed =
      for file <- files do
        {if(file.version in applied, do: :up, else: :down), file.version, file.name}
      end

    missing = for v <- applied, v not in in_files, do: {:up, v, @not_found}
    Enum.sort_by(listed ++ missing, fn {_, version, _} -> version end)
  end

  def run(repo, direction, opts), do: run(repo, migrations_path(repo), direction, opts)

  def run(repo, dirs, direction, opts) when direction in [:up, :down] do
    strategy = strategy!(opts)
    files = migration_files(List.wrap(dirs))
    conn = Repo.connection!(repo)
    ensure_tables(conn)
    lock = Repo.connection!(repo)
    Psql.query!(lock, "BEGIN; LOCK TABLE schema_migrations IN SHARE UPDATE EXCLUSIVE MODE")
    applied = applied_versions(lock)

    try do
      case pending(files, applied, direction, strategy) do
        [] ->
          Logger.info("Migrations already #{direction}")
          []

        todo ->
          Enum.map(todo, &migrate(repo, conn, &1, direction))
      end
    after
      Psql.query(lock, "COMMIT")
    end
  end

  defp strategy!(opts) do
    cond do
      opts[:all] -> :all
      to = opts[:to] -> {:to, to}
      to = opts[:to_exclusive] -> {:to_exclusive, to}
      step = opts[:step] -> {:step, step}
      true -> raise ArgumentError, "expected one of :all, :to, :to_exclusive, or :step strategies"
    end
  end

  defp pending(files, applied, :up, strategy) do
    files |> Enum.reject(&(&1.version in applied)) |> take(strategy, &<=/2, &</2)
  end

  defp pending(files, applied, :down, strategy) do
    files
    |> Enum.filter(&(&1.version in applied))
    |> Enum.reverse()
    |> take(strategy, &>=/2, &>/2)
  end

  defp take(files, :all, _, _), do: files
  defp take(files, {:step, n}, _, _), do: Enum.take(files, n)
  defp take(files, {:to, v}, within, _), do: Enum.take_while(files, &within.(&1.version, v))
  defp take(files, {:to_exclusive, v}, _, within), do: Enum.take_while(files, &within.(&1.version, v))

  defp migrate(repo, conn, file, direction) do
    module = "#{inspect(repo)}.Migrations.#{Macro.camelize(file.name)}"
    {sql, fun, arrow} = script!(file, direction, module)
    Logger.info("== Running #{file.version} #{module}.#{fun}/0 #{arrow}")
    started = System.monotonic_time(:millisecond)

    Psql.query!(
      conn,
      Enum.join(
        [
          "BEGIN",
          sql,
          if(direction == :up,
            do: "INSERT INTO schema_migrations (version, inserted_at) VALUES (#{file.version}, now() AT TIME ZONE 'utc')",
            else: "DELETE FROM schema_migrations WHERE version = #{file.version}"
          ),
          EventLog.insert_sql(if(direction == :up, do: "migrated", else: "rolled_back"), file.version),
          "COMMIT"
        ],
        ";\n"
      )
    )

    seconds = (System.monotonic_time(:millisecond) - started) / 1000
    Logger.info("== Migrated #{file.version} in #{:erlang.float_to_binary(seconds, decimals: 1)}s")
    file.version
  end

  defp script!(%{up: up}, :up, _module), do: {File.read!(up), "up", "forward"}
  defp script!(%{down: nil}, :down, module) do
    raise Ecto.MigrationError, "#{module} does not implement a `down/0` or `change/0` function"
  end
  defp script!(%{down: down}, :down, _module), do: {File.read!(down), "down", "backward"}

  # Ecto creates its table outside the lock; two migrators racing on a fresh database would both
  # try. The advisory lock keeps that race (which Ecto has too) out of the tests.
  defp ensure_tables(conn) do
    Psql.query!(
      conn,
      Enum.join(
        [
          "BEGIN",
          "SELECT pg_advisory_xact_lock(4242001)",
          "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, " <>
            "inserted_at timestamp(0) without time zone)",
          "COMMIT",
          EventLog.create_table_sql()
        ],
        ";\n"
      )
    )
  end

  defp applied_versions(conn) do
    conn
    |> Psql.query!("SELECT version FROM schema_migrations ORDER BY version")
    |> Enum.map(fn [v] -> String.to_integer(v) end)
  end

  defp migration_files(dirs) do
    dirs
    |> Enum.flat_map(fn dir -> Path.wildcard(Path.join(dir, "*.up.sql")) end)
    |> Enum.map(fn up ->
      [_, version, name] = Regex.run(~r/^(\d+)_(.+)\.up\.sql$/, Path.basename(up))
      down = String.replace_suffix(up, ".up.sql", ".down.sql")
      %{version: String.to_integer(version), name: name, up: up, down: if(File.exists?(down), do: down)}
    end)
    |> Enum.sort_by(& &1.version)
  end
end
