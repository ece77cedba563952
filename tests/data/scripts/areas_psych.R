# Reference values for reliability.areas.area_structure on tests/data/areas_synthetic.csv:
# pairwise two-step polychoric matrix (polycor), eigenvalues, one-factor minres loadings
# (psych::fa) computed from that matrix. Run from the repository root:
#   Rscript tests/data/scripts/areas_psych.R
# Needs Debian packages r-base-core r-cran-polycor r-cran-psych r-cran-jsonlite.
suppressMessages({library(polycor); library(psych); library(jsonlite)})
set.seed(7)
n <- 800
labels <- c("Exceptional", "Strong standard", "Expected standard", "Needs attention",
            "Urgent improvement")
g <- rnorm(n)                                  # one school factor (the halo)
loads <- c(0.85, 0.75, 0.6, 0.4)
cuts <- list(c(-2.2, -0.9, 0.9, 2.0), c(-1.8, -0.6, 1.1, 2.2), c(-2.0, -0.7, 0.8, 1.9),
             c(-1.5, -0.4, 1.2, 2.3))
areas <- c("curriculum_and_teaching", "achievement", "attendance_and_behaviour",
           "personal_development")
d <- data.frame(school = sprintf("S%04d", 1:n))
for (j in 1:4) {
  z <- loads[j] * g + sqrt(1 - loads[j]^2) * rnorm(n)
  k <- as.integer(cut(z, c(-Inf, cuts[[j]], Inf)))
  v <- labels[k]
  v[sample(n, 25)] <- NA                       # some areas not graded
  d[[areas[j]]] <- v
}
write.csv(d, "tests/data/areas_synthetic.csv", row.names = FALSE, na = "")
R <- diag(4); se <- matrix(0, 4, 4)
for (a in 1:3) for (b in (a + 1):4) {
  x <- factor(d[[areas[a]]], levels = labels); y <- factor(d[[areas[b]]], levels = labels)
  keep <- !is.na(x) & !is.na(y)
  f <- polychor(x[keep], y[keep], ML = FALSE, std.err = TRUE)
  R[a, b] <- R[b, a] <- f$rho; se[a, b] <- se[b, a] <- sqrt(f$var[1, 1])
}
fa1 <- fa(R, nfactors = 1, fm = "minres", n.obs = n)
out <- list(source = "R polycor::polychor (two-step, pairwise) and psych::fa(fm='minres', nfactors=1)",
            computed_with = paste("R", getRversion(), "polycor", packageVersion("polycor"),
                                  "psych", packageVersion("psych")),
            areas = areas, polychoric = R, se = se, eigenvalues = eigen(R)$values,
            loadings = as.numeric(fa1$loadings[, 1]),
            tolerance = list(rho = 2e-4, se = 1e-3, loadings = 1e-3))
writeLines(toJSON(out, digits = 12, auto_unbox = TRUE, matrix = "rowmajor", pretty = TRUE),
           "tests/data/areas_psych.json")
