# Reference values for reliability.validity.kendall_tau: R cor.test(method = "kendall").
# Exact p-values (no ties, small n) and the asymptotic ones with ties (tie-corrected variance of
# S, no continuity correction). Samples are generated here (set.seed) and stored with the values.
# Run from the repository root: Rscript tests/data/scripts/kendall_exact_r.R
# Needs Debian packages r-base-core r-cran-jsonlite.
suppressMessages(library(jsonlite))
set.seed(20261202)
cases <- list()
add <- function(name, x, y, exact) {
  r <- suppressWarnings(cor.test(x, y, method = "kendall", exact = exact, continuity = FALSE))
  cases[[length(cases) + 1]] <<- list(name = name, x = x, y = y, exact = exact,
                                      tau_b = unname(r$estimate), p_value = r$p.value)
}
for (n in c(4, 6, 8, 10, 15, 25, 33)) {
  x <- sample(n)
  y <- if (n %% 2 == 0) x + sample(-2:2, n, replace = TRUE) * 2 + runif(n) else sample(n)
  y <- rank(y, ties.method = "first") + 0.0
  add(paste0("no_ties_n", n), as.numeric(x), y, TRUE)
}
# perfect (anti-)concordance: the exact tails
add("perfect_n7", as.numeric(1:7), as.numeric(1:7), TRUE)
add("reversed_n9", as.numeric(1:9), as.numeric(9:1), TRUE)
# ties: R's normal approximation (exact p does not apply)
for (n in c(12, 40)) {
  x <- sample(1:4, n, replace = TRUE) + 0.0
  y <- x + sample(0:3, n, replace = TRUE) + 0.0
  add(paste0("ties_n", n), x, y, FALSE)
}
out <- list(source = "R stats::cor.test(x, y, method = 'kendall', exact = , continuity = FALSE)",
            computed_with = paste("R", getRversion()),
            tolerance = 1e-10, cases = cases)
writeLines(toJSON(out, digits = 15, auto_unbox = TRUE, pretty = TRUE),
           "tests/data/kendall_exact_r.json")
