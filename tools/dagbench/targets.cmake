# dagbench: the measuring tool (not a test).
add_executable(dagbench tools/dagbench/main.cpp tools/dagbench/driver.cpp
  tools/dagbench/helpers.cpp tools/dagbench/workloads.cpp
  tools/dagbench/placement_bench.cpp tools/dagbench/open_loop.cpp
  tools/dagbench/kv_bench.cpp tools/dagbench/kv_actors.cpp tools/dagbench/kv_cmd.cpp tools/dagbench/replay.cpp tools/dagbench/report.cpp
  tools/dagbench/workload_cmd.cpp tools/dagbench/compare_cmd.cpp)
find_package(CURL REQUIRED)
target_link_libraries(dagbench PRIVATE dagshard_actors nlohmann_json::nlohmann_json
  CURL::libcurl dagshard_workload)
