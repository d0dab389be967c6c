CREATE TABLE raft_snapshots (group_id integer PRIMARY KEY, snapshot bytea, taken_at timestamptz NOT NULL DEFAULT now());
