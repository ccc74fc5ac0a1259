ds_library(dagshard_cluster model/cluster)
ds_tests(cluster_tests tests/model/cluster dagshard_cluster dagpsm_cluster)
