ds_library(dagshard_raft model/raft)
ds_tests(raft_tests tests/model/raft dagshard_raft)
target_sources(raft_tests PRIVATE "${CMAKE_SOURCE_DIR}/tests/model/raft/sim.cpp")
