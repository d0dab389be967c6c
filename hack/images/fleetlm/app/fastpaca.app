{application, fastpaca,
 [{description, "A test double with FleetLM's contract (not FleetLM)"},
  {vsn, "0.1.0"},
  {modules, []},
  {registered, []},
  {applications, [kernel, stdlib, elixir, logger, crypto]},
  {mod, {'Elixir.FleetlmDouble.Application', [fastpaca]}},
  {env, [{ecto_repos, ['Elixir.Fastpaca.Repo']}]}]}.
