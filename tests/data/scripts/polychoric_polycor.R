# Reference values for reliability.areas.polychoric: R polycor (two-step ML) and psych.
# Run from the repository root:  Rscript tests/data/scripts/polychoric_polycor.R
# Needs Debian packages r-base-core r-cran-polycor r-cran-psych r-cran-jsonlite (CI has no R;
# the output tests/data/polychoric_polycor.json is committed).
suppressMessages({library(polycor); library(jsonlite)})
set.seed(20261202)
cases <- list()
# 1. tables drawn from cut bivariate normals (4 and 5 points, several rho, uneven thresholds)
gen <- function(n, rho, cx, cy) {
  z1 <- rnorm(n); z2 <- rho * z1 + sqrt(1 - rho^2) * rnorm(n)
  table(cut(z1, c(-Inf, cx, Inf)), cut(z2, c(-Inf, cy, Inf)))
}
specs <- list(
  list(n = 500, rho = 0.6, cx = c(-1, 0, 1.2), cy = c(-0.8, 0.3, 1)),
  list(n = 2000, rho = 0.85, cx = c(-1.5, -0.5, 0.4, 1.3), cy = c(-1.2, -0.2, 0.7, 1.6)),
  list(n = 300, rho = -0.3, cx = c(-0.5, 0.5), cy = c(-1, 0, 1)),
  list(n = 150, rho = 0.2, cx = c(0), cy = c(0.3)),
  list(n = 20000, rho = 0.7, cx = c(-1.8, -0.9, 0.5, 1.4), cy = c(-1.6, -0.7, 0.6, 1.5))
)
for (i in seq_along(specs)) {
  s <- specs[[i]]
  tab <- unclass(gen(s$n, s$rho, s$cx, s$cy))
  dimnames(tab) <- NULL
  fit <- polychor(tab, ML = FALSE, std.err = TRUE)
  cases[[length(cases) + 1]] <- list(
    name = sprintf("simulated_%d", i), table = tab, rho = fit$rho, var = fit$var[1, 1],
    se = sqrt(fit$var[1, 1]), chisq = fit$chisq, df = fit$df,
    row_cuts = unname(fit$row.cuts), col_cuts = unname(fit$col.cuts))
}
# 2. a published-style table with a zero cell
tab <- matrix(c(40, 10, 2, 0, 12, 35, 9, 3, 3, 14, 30, 12, 1, 2, 11, 25), 4, byrow = TRUE)
fit <- polychor(tab, ML = FALSE, std.err = TRUE)
cases[[length(cases) + 1]] <- list(name = "zero_cell", table = tab, rho = fit$rho,
  var = fit$var[1, 1], se = sqrt(fit$var[1, 1]), chisq = fit$chisq, df = fit$df,
  row_cuts = unname(fit$row.cuts), col_cuts = unname(fit$col.cuts))
out <- list(source = "R polycor::polychor(tab, ML = FALSE, std.err = TRUE)",
            computed_with = paste("R", getRversion(), "polycor", packageVersion("polycor")),
            tolerance = list(rho = 1e-4, se = 1e-3, chisq = 1e-3), cases = cases)
writeLines(toJSON(out, digits = 12, auto_unbox = TRUE, matrix = "rowmajor", pretty = TRUE),
           "tests/data/polychoric_polycor.json")
