ds_library(dagshard_access model/access)
ds_tests(access_tests tests/model/access dagshard_access)
