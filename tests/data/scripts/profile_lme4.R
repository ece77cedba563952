# Profile-likelihood intervals of the inspector SD (lme4 confint(method = "profile")) for the
# random-intercept fits of tests/data/inspections_synthetic.csv, written to
# tests/data/profile_lme4.json. Run from the repository root:
#   Rscript tests/data/scripts/profile_lme4.R
# Needs Debian packages r-base-core r-cran-lme4 r-cran-jsonlite. The glmer profile takes a few
# minutes (each profile point refits the model).
suppressMessages({library(lme4); library(jsonlite)})
d <- read.csv("tests/data/inspections_synthetic.csv")
rhs <- "female + hmi + fsm_pct + phase + log_size_c + years_exp_c + (1 | inspector_id)"
lctl <- lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5, rhoend = 1e-10))
gctl <- glmerControl(optimizer = "bobyqa", tolPwrss = 1e-12,
                     optCtrl = list(maxfun = 1e5, rhoend = 1e-10))
out <- list(name = "profile_lme4", data_file = "inspections_synthetic.csv",
            computed_with = paste("R", getRversion(), "lme4", packageVersion("lme4")),
            method = "confint(fit, parm = 'theta_', method = 'profile', level = L)", models = list())
one <- function(fit, call) {
  res <- list(call = call, sd = as.data.frame(VarCorr(fit))$sdcor[1],
              logLik = as.numeric(logLik(fit)))
  pr <- profile(fit, which = "theta_", signames = FALSE)
  for (lev in c(0.95, 0.8)) {
    ci <- confint(pr, level = lev)
    res[[paste0("ci_", lev * 100)]] <- list(level = lev, lower = unname(ci[1, 1]),
                                            upper = unname(ci[1, 2]), parm = rownames(ci)[1])
  }
  res
}
f <- as.formula(paste("grade ~", rhs))
for (reml in c(TRUE, FALSE)) {
  fit <- lmer(f, data = d, REML = reml, control = lctl)
  out$models[[if (reml) "lmer_reml" else "lmer_ml"]] <- one(fit, paste("lmer grade ~", rhs, "REML =", reml))
}
fit <- glmer(as.formula(paste("below_good ~", rhs)), data = d, family = binomial, control = gctl)
out$models$glmer_laplace <- one(fit, paste("glmer below_good ~", rhs, "binomial Laplace"))
out$conventions <- c("ci_95 / ci_80: the profile interval of the inspector SD (.sig01) at level 0.95 / 0.8",
                     "lme4 interpolates the profile zeta(sd) with splines between its grid points")
writeLines(toJSON(out, digits = 12, auto_unbox = TRUE, pretty = TRUE), "tests/data/profile_lme4.json")
