ds_library(dagshard_raft model/raft)
ds_tests(raft_tests tests/model/raft dagshard_raft)
