# Writes the frozen references the forecasting tests compare against.
# Run from this folder: Rscript make_reference.R   (needs r-cran-forecast)
#
# For each seasonal series shipped with R: the series without its final
# season (train_<name>.txt), the final season (test_<name>.txt), and one line
# in reference.csv with R's auto.arima and snaive MASE on that held-out
# season (MASE scaled by the in-sample seasonal naive MAE of the training
# part, as forecast::accuracy does).
suppressMessages(library(forecast))
sets <- list(AirPassengers = AirPassengers, USAccDeaths = USAccDeaths,
             ldeaths = ldeaths, mdeaths = mdeaths, fdeaths = fdeaths,
             nottem = nottem, UKDriverDeaths = UKDriverDeaths, UKgas = UKgas,
             co2 = co2, JohnsonJohnson = JohnsonJohnson, sunspot_month = window(sunspot.month, start = 1950),
             wineind = wineind, gas = window(gas, start = 1980), elecequip = NULL)
sets <- sets[!sapply(sets, is.null)]
out <- data.frame()
for (name in names(sets)) {
  y <- sets[[name]]
  m <- frequency(y)
  n <- length(y)
  train <- ts(as.numeric(y)[1:(n - m)], frequency = m)
  test <- as.numeric(y)[(n - m + 1):n]
  scale <- mean(abs(diff(as.numeric(train), lag = m)))
  fa <- forecast(auto.arima(train), h = m)$mean
  fs <- snaive(train, h = m)$mean
  write.table(as.numeric(train), paste0("train_", name, ".txt"), row.names = FALSE, col.names = FALSE)
  write.table(test, paste0("test_", name, ".txt"), row.names = FALSE, col.names = FALSE)
  out <- rbind(out, data.frame(name = name, period = m,
                               arima_mase = mean(abs(fa - test)) / scale,
                               snaive_mase = mean(abs(fs - test)) / scale))
}
write.csv(out, "reference.csv", row.names = FALSE, quote = FALSE)
print(out)
cat("mean auto.arima MASE", mean(out$arima_mase), " mean snaive MASE", mean(out$snaive_mase), "\n")
