DROP TABLE raft_snapshots;
