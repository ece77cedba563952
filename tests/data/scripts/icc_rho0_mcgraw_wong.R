# Reference values for the F tests of H0: ICC = rho0 (reliability.icc, rho0=) on the shipped
# ICC data sets. irr is not installable on this machine (no Debian package r-cran-irr, no
# CRAN access), so the tests of rho0 > 0 are McGraw & Wong's (1996) Table 8 formulas written
# here in base R from the paper, on mean squares from R's own lm()/anova() (a separate code
# path from the library's row/column-sum kernels); rho0 = 0 is psych::ICC's F, df and p.
# The null distribution of the rho0 > 0 tests is checked by simulation in
# tests/icc/test_icc_rho0.py. Run from the repository root:
#   Rscript tests/data/scripts/icc_rho0_mcgraw_wong.R
# Needs Debian packages r-base-core r-cran-psych r-cran-jsonlite.
suppressMessages({library(psych); library(jsonlite)})
r0s <- c(0.3, 0.5)
mw <- function(msr, msc, mse, msw, n, k, r0) {
  t1 <- function(F, d1, d2) list(statistic = F, df1 = d1, df2 = d2,
                                 p_value = pf(F, d1, d2, lower.tail = FALSE))
  agree <- function(a, b) {
    den <- a * msc + b * mse
    v <- den^2 / ((a * msc)^2 / (k - 1) + (b * mse)^2 / ((n - 1) * (k - 1)))
    t1(msr / den, n - 1, v)
  }
  list(
    ICC1 = t1(msr / msw * (1 - r0) / (1 + (k - 1) * r0), n - 1, n * (k - 1)),
    ICC1k = t1(msr / msw * (1 - r0), n - 1, n * (k - 1)),
    ICC3 = t1(msr / mse * (1 - r0) / (1 + (k - 1) * r0), n - 1, (n - 1) * (k - 1)),
    ICC3k = t1(msr / mse * (1 - r0), n - 1, (n - 1) * (k - 1)),
    ICC2 = agree(k * r0 / (n * (1 - r0)), 1 + k * r0 * (n - 1) / (n * (1 - r0))),
    ICC2k = agree(r0 / (n * (1 - r0)), 1 + r0 * (n - 1) / (n * (1 - r0))))
}
out <- list(source = paste("McGraw & Wong (1996) Table 8 in base R on lm()/anova() mean",
                           "squares; rho0 = 0: psych::ICC"),
            computed_with = paste(R.version.string, "psych", packageVersion("psych")),
            tolerance = 1e-9, datasets = list())
for (name in c("shrout_fleiss_1979", "pingouin_wine_icc")) {
  w <- read.csv(file.path("tests/data", paste0(name, ".csv")))
  x <- as.matrix(w[, -1]); n <- nrow(x); k <- ncol(x)
  d <- data.frame(y = as.vector(t(x)), unit = factor(rep(seq_len(n), each = k)),
                  rater = factor(rep(seq_len(k), n)))
  two <- anova(lm(y ~ unit + rater, data = d))
  one <- anova(lm(y ~ unit, data = d))
  msr <- two["unit", "Mean Sq"]; msc <- two["rater", "Mean Sq"]
  mse <- two["Residuals", "Mean Sq"]; msw <- one["Residuals", "Mean Sq"]
  tests <- list()
  for (r0 in r0s) tests[[as.character(r0)]] <- mw(msr, msc, mse, msw, n, k, r0)
  ps <- ICC(x, lmer = FALSE)$results
  forms <- c("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
  zero <- list()
  for (i in seq_along(forms)) zero[[forms[i]]] <- list(statistic = ps$F[i], df1 = ps$df1[i],
                                                      df2 = ps$df2[i], p_value = ps$p[i])
  tests[["0"]] <- zero
  out$datasets[[name]] <- tests
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/data/icc_rho0_mcgraw_wong.json")
