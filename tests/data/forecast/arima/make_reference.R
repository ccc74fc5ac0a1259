# Frozen references for the ARIMA tests: R's Arima (method "CSS-ML", the
# default) for fixed orders on series shipped with R.
# Run from this folder: Rscript make_reference.R   (needs r-cran-forecast)
suppressMessages(library(forecast))
cases <- list(
  list("lh", lh, c(1, 0, 0), c(0, 0, 0), TRUE),
  list("lh3", lh, c(3, 0, 0), c(0, 0, 0), TRUE),
  list("LakeHuron", LakeHuron, c(2, 0, 0), c(0, 0, 0), TRUE),
  list("WWWusage", WWWusage, c(1, 1, 1), c(0, 0, 0), FALSE),
  list("AirPassengers", AirPassengers, c(0, 1, 1), c(0, 1, 1), FALSE),
  list("USAccDeaths", USAccDeaths, c(0, 1, 1), c(0, 1, 1), FALSE),
  list("Nile", Nile, c(1, 1, 1), c(0, 0, 0), FALSE),
  list("drift", austres, c(1, 1, 0), c(0, 0, 0), TRUE))
rows <- c()
for (cs in cases) {
  name <- cs[[1]]; y <- cs[[2]]
  fit <- Arima(y, order = cs[[3]], seasonal = cs[[4]],
               include.mean = cs[[5]], include.drift = cs[[5]] && cs[[3]][2] == 1)
  write.table(as.numeric(y), paste0("series_", name, ".txt"), row.names = FALSE, col.names = FALSE)
  f <- forecast(fit, h = 6)$mean
  rows <- c(rows, paste(name, frequency(y), paste(c(cs[[3]], cs[[4]]), collapse = ";"),
                        as.integer(cs[[5]]), paste(sprintf("%.10g", coef(fit)), collapse = ";"),
                        sprintf("%.10g", fit$sigma2), sprintf("%.10g", fit$aicc),
                        paste(sprintf("%.10g", f), collapse = ";"), sep = ","))
}
writeLines(c("name,period,order,constant,coef,sigma2,aicc,forecast", rows), "reference.csv")
cat(rows, sep = "\n")
