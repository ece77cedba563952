# Reference for a random-slope fit near (not on) the boundary: lme4 finds a correlation of
# about -0.98 and calls the fit regular (isSingular FALSE). Our fit must agree and must not
# call it non-converged. Run from the repository root:
#   Rscript tests/data/scripts/slopes_near_boundary.R
suppressMessages({library(lme4); library(jsonlite)})
d <- read.csv("tests/data/inspections_synthetic.csv")
f <- lmer(grade ~ female + (1 + phase | inspector_id), data = d, REML = TRUE)
vc <- as.data.frame(VarCorr(f))
out <- list(
  source = "lme4::lmer(grade ~ female + (1 + phase | inspector_id), REML = TRUE) on tests/data/inspections_synthetic.csv",
  computed_with = paste("R", getRversion(), "lme4", packageVersion("lme4")),
  logLik = as.numeric(logLik(f)),
  fixef = as.list(fixef(f)),
  sd_intercept = vc$sdcor[1], sd_slope = vc$sdcor[2], correlation = vc$sdcor[3],
  sigma = sigma(f), singular = isSingular(f))
write_json(out, "tests/data/slopes_near_boundary_lme4.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
