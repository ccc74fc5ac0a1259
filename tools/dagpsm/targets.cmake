# dagpsm: the PSM's models as a command-line tool.
add_library(dagpsm_cluster STATIC "${CMAKE_SOURCE_DIR}/tools/dagpsm/cluster_cmd.cpp")
target_include_directories(dagpsm_cluster PUBLIC "${CMAKE_SOURCE_DIR}")
target_link_libraries(dagpsm_cluster PUBLIC dagshard_cluster)

add_executable(dagpsm "${CMAKE_SOURCE_DIR}/tools/dagpsm/main.cpp")
target_link_libraries(dagpsm PRIVATE dagpsm_cluster)
if(EXISTS "${CMAKE_SOURCE_DIR}/tools/dagpsm/forecast_cmd.cpp" AND TARGET dagshard_forecast)
  target_sources(dagpsm PRIVATE "${CMAKE_SOURCE_DIR}/tools/dagpsm/forecast_cmd.cpp")
  target_link_libraries(dagpsm PRIVATE dagshard_forecast)
  target_compile_definitions(dagpsm PRIVATE DAGPSM_HAVE_FORECAST)
endif()

add_executable(cluster_bench "${CMAKE_SOURCE_DIR}/tools/dagpsm/cluster_bench.cpp")
target_link_libraries(cluster_bench PRIVATE dagshard_cluster)

if(TARGET dagshard_forecast)
  add_executable(forecast_bench "${CMAKE_SOURCE_DIR}/tools/dagpsm/forecast_bench.cpp")
  target_link_libraries(forecast_bench PRIVATE dagshard_forecast)
endif()
