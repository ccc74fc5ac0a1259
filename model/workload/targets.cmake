ds_library(dagshard_workload model/workload dagshard_model)
ds_tests(workload_tests tests/model/workload dagshard_workload)
