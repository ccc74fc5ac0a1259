ds_library(dagshard_forecast model/forecast armadillo::armadillo)
ds_tests(forecast_tests tests/model/forecast dagshard_forecast)
