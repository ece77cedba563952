# Random-slope reference fits for reliability.models (issue 19): simulates
# tests/data/slopes_synthetic.csv (inspectors whose leniency differs between primary and
# secondary schools: a random intercept and a random phase slope per inspector, correlated)
# and fits it with lme4 (glmer Laplace, lmer REML and ML), writing tests/data/slopes_lme4.json.
# Run from the repository root:
#   Rscript tests/data/scripts/slopes_lme4.R
# Needs Debian packages r-base-core r-cran-lme4 r-cran-jsonlite (r-cran-glmmtmb optional: a
# second Laplace reference for the binomial fits, recorded when installed).
suppressMessages({library(lme4); library(jsonlite)})
set.seed(20261202)
G <- 150                                         # inspectors
n_per <- rpois(G, 20) + 5
n <- sum(n_per)
insp <- rep(seq_len(G), n_per)
truth <- list(sd_intercept = 0.5, sd_phase = 0.4, correlation = -0.4,
              beta = c(female = 0.2, fsm_pct = 0.02, phase = 0.3),
              thetas = c(-1.0, 1.5, 3.3),
              linear = list(intercept = 2.0, beta = c(female = 0.1, fsm_pct = 0.01, phase = 0.2),
                            sd_intercept = 0.3, sd_phase = 0.25, correlation = 0.5,
                            resid_sd = 0.6))
mk_re <- function(s1, s2, r) {
  S <- matrix(c(s1^2, r * s1 * s2, r * s1 * s2, s2^2), 2)
  matrix(rnorm(2 * G), G) %*% chol(S)
}
b <- mk_re(truth$sd_intercept, truth$sd_phase, truth$correlation)
bl <- mk_re(truth$linear$sd_intercept, truth$linear$sd_phase, truth$linear$correlation)
female <- rbinom(n, 1, 0.5)
fsm_pct <- round(runif(n, 0, 60), 1)
phase <- rbinom(n, 1, 0.4)                        # 0 = primary, 1 = secondary
eta <- truth$beta["female"] * female + truth$beta["fsm_pct"] * fsm_pct +
  truth$beta["phase"] * phase + b[insp, 1] + b[insp, 2] * phase
lat <- eta + rlogis(n)
grade <- 1 + (lat > truth$thetas[1]) + (lat > truth$thetas[2]) + (lat > truth$thetas[3])
below_good <- as.integer(grade >= 3)
score <- truth$linear$intercept + truth$linear$beta["female"] * female +
  truth$linear$beta["fsm_pct"] * fsm_pct + truth$linear$beta["phase"] * phase +
  bl[insp, 1] + bl[insp, 2] * phase + rnorm(n, 0, truth$linear$resid_sd)
d <- data.frame(inspection_id = seq_len(n), inspector_id = sprintf("I%03d", insp),
                female = female, fsm_pct = fsm_pct, phase = phase,
                phase_label = ifelse(phase == 1, "secondary", "primary"),
                grade = grade, below_good = below_good, score = round(score, 6))
write.csv(d, "tests/data/slopes_synthetic.csv", row.names = FALSE)
d <- read.csv("tests/data/slopes_synthetic.csv")   # fit exactly what the tests read

newdata <- data.frame(female = c(0, 1, 1), fsm_pct = c(10, 30, 55), phase = c(0, 1, 0))

summ <- function(fit, newdata_response = TRUE) {
  vc <- as.data.frame(VarCorr(fit))
  ins <- startsWith(vc$grp, "inspector_id")    # uncorrelated terms: inspector_id, inspector_id.1
  sds <- vc[is.na(vc$var2) & ins, ]
  cors <- vc[!is.na(vc$var2) & ins, ]
  re <- ranef(fit, condVar = TRUE)$inspector_id
  pv <- attr(re, "postVar")
  cv <- if (is.list(pv)) {           # uncorrelated terms: one postVar array per term
    do.call(cbind, lapply(pv, function(a) sqrt(a[1, 1, ])))
  } else sqrt(t(apply(pv, 3, diag)))
  out <- list(
    coefficients = as.list(fixef(fit)), se = as.list(sqrt(diag(as.matrix(vcov(fit))))),
    vcov = unname(as.matrix(vcov(fit))), vcov_names = names(fixef(fit)),
    sd = setNames(as.list(sds$sdcor), sds$var1),
    correlation = if (nrow(cors)) cors$sdcor[1] else 0,
    logLik = as.numeric(logLik(fit)), df = attr(logLik(fit), "df"),
    theta = unname(getME(fit, "theta")), nobs = nobs(fit),
    n_groups = as.numeric(ngrps(fit)["inspector_id"]),
    optimizer = fit@optinfo$optimizer,
    max_grad = if (!is.null(fit@optinfo$derivs)) max(abs(fit@optinfo$derivs$gradient)) else NA,
    messages = c(fit@optinfo$conv$lme4$messages, fit@optinfo$warnings),
    ranef = list(levels = rownames(re), modes = unname(as.matrix(re)),
                 cond_sd = unname(cv), effects = colnames(re)),
    predict_newdata_re0 = unname(predict(fit, newdata = newdata, re.form = NA,
                                          type = "response")))
  if (isREML(fit) || inherits(fit, "lmerMod")) out$sigma <- sigma(fit)
  out
}

# Tight PIRLS and optimiser tolerances: the default PIRLS tolerance leaves glmer's Laplace
# criterion ~1e-3 off (see docs/models.md), more than the test tolerances.
gctl <- glmerControl(optimizer = "bobyqa", tolPwrss = 1e-12,
                     optCtrl = list(maxfun = 1e5, rhoend = 1e-10))
lctl <- lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5, rhoend = 1e-10))
fx <- "female + fsm_pct + phase"
calls <- list(
  glmer_corr = paste0("below_good ~ ", fx, " + (1 + phase | inspector_id)"),
  glmer_uncorr = paste0("below_good ~ ", fx, " + (1 | inspector_id) + (0 + phase | inspector_id)"),
  glmer_intercept = paste0("below_good ~ ", fx, " + (1 | inspector_id)"),
  lmer_corr = paste0("score ~ ", fx, " + (1 + phase | inspector_id)"),
  lmer_uncorr = paste0("score ~ ", fx, " + (1 | inspector_id) + (0 + phase | inspector_id)"),
  lmer_intercept = paste0("score ~ ", fx, " + (1 | inspector_id)"))
models <- list()
fits <- list()
for (nm in names(calls)) {
  f <- as.formula(calls[[nm]])
  if (startsWith(nm, "glmer")) {
    fit <- glmer(f, data = d, family = binomial, control = gctl)
    fits[[nm]] <- fit
    models[[nm]] <- c(list(call = calls[[nm]], family = "binomial(logit)", method = "Laplace"),
                      summ(fit))
    # refit with another optimiser: the spread bounds how well R's optimum is known
    fit2 <- glmer(f, data = d, family = binomial,
                  control = glmerControl(optimizer = "Nelder_Mead", tolPwrss = 1e-12,
                                         optCtrl = list(maxfun = 1e5, FtolAbs = 1e-12,
                                                        XtolRel = 1e-10)))
    models[[nm]]$refit_check <- list(
      optimizer = "Nelder_Mead", logLik = as.numeric(logLik(fit2)),
      max_abs_diff_fixef = max(abs(fixef(fit2) - fixef(fit))),
      max_abs_diff_theta = max(abs(getME(fit2, "theta") - getME(fit, "theta"))))
  } else {
    for (reml in c(TRUE, FALSE)) {
      fit <- lmer(f, data = d, REML = reml, control = lctl)
      key <- paste0(nm, if (reml) "_reml" else "_ml")
      fits[[key]] <- fit
      models[[key]] <- c(list(call = calls[[nm]], REML = reml), summ(fit))
    }
  }
}
# Wald tests of linear hypotheses L beta = c from each fit's vcov (no car: the chi-square
# (L b - c)' (L V L')^-1 (L b - c) written out), and delta-method SEs of the predictions
# with the random effects at 0 (se of eta = sqrt(x' V x); binomial: dlogis(eta) * that).
hyps <- list(list(text = "female = 0", L = rbind(c(0, 1, 0, 0)), c = 0),
             list(text = "female = 0, phase = 0", L = rbind(c(0, 1, 0, 0), c(0, 0, 0, 1)),
                  c = c(0, 0)),
             list(text = "female - phase = 0", L = rbind(c(0, 1, 0, -1)), c = 0),
             list(text = "10 * fsm_pct + phase = 0.5", L = rbind(c(0, 0, 10, 1)), c = 0.5))
Xnew <- cbind(1, as.matrix(newdata[, c("female", "fsm_pct", "phase")]))
for (key in c("glmer_corr", "lmer_corr_reml", "lmer_uncorr_ml")) {
  fit <- fits[[key]]
  b <- fixef(fit); V <- as.matrix(vcov(fit))
  models[[key]]$wald <- lapply(hyps, function(h) {
    r <- h$L %*% b - h$c
    W <- as.numeric(t(r) %*% solve(h$L %*% V %*% t(h$L), r))
    list(hypothesis = h$text, L = h$L, rhs = h$c, statistic = W, df = nrow(h$L),
         p_value = pchisq(W, nrow(h$L), lower.tail = FALSE))
  })
  eta <- as.numeric(Xnew %*% b)
  se_eta <- sqrt(rowSums((Xnew %*% V) * Xnew))
  models[[key]]$predict_se_re0 <- if (startsWith(key, "glmer")) dlogis(eta) * se_eta else se_eta
}

# lme4's `||` expands to the uncorrelated terms (phase is numeric 0/1 here): the same fit
fit_bars <- lmer(score ~ female + fsm_pct + phase + (1 + phase || inspector_id), data = d,
                 REML = TRUE, control = lctl)
models$lmer_doublebar_reml_logLik <- as.numeric(logLik(fit_bars))

# A singular fit (no phase-slope variation in the generating model): the correlation goes
# to -1, the slope SD stays small; lme4 reports "boundary (singular) fit".
ins <- read.csv("tests/data/inspections_synthetic.csv")
fit_sing <- lmer(grade ~ female + hmi + fsm_pct + phase + log_size_c + years_exp_c +
                   (1 + phase | inspector_id), data = ins, REML = TRUE, control = lctl)
vc <- as.data.frame(VarCorr(fit_sing))
models$lmer_singular_inspections <- list(
  call = "grade ~ female + hmi + fsm_pct + phase + log_size_c + years_exp_c + (1 + phase | inspector_id)",
  data_file = "inspections_synthetic.csv", REML = TRUE, singular = isSingular(fit_sing),
  coefficients = as.list(fixef(fit_sing)), se = as.list(sqrt(diag(as.matrix(vcov(fit_sing))))),
  sd = vc$sdcor[is.na(vc$var2) & vc$grp == "inspector_id"],
  correlation = vc$sdcor[!is.na(vc$var2)][1], sigma = sigma(fit_sing),
  logLik = as.numeric(logLik(fit_sing)))

tmb <- NULL
if (requireNamespace("glmmTMB", quietly = TRUE)) {
  suppressMessages(library(glmmTMB))
  tmb <- list()
  for (nm in c("glmer_corr", "glmer_uncorr")) {
    ft <- as.formula(if (nm == "glmer_corr") calls[[nm]] else
      paste0("below_good ~ ", fx, " + (1 | inspector_id) + (0 + phase | inspector_id)"))
    fit <- glmmTMB(ft, data = d, family = binomial)
    vc <- VarCorr(fit)$cond
    sds <- unlist(lapply(vc, function(m) attr(m, "stddev")))
    cr <- attr(vc[[1]], "correlation")
    tmb[[nm]] <- list(call = calls[[nm]], coefficients = as.list(fixef(fit)$cond),
                      se = as.list(sqrt(diag(vcov(fit)$cond))), sd = unname(sds),
                      correlation = if (length(cr) > 1) cr[1, 2] else 0,
                      logLik = as.numeric(logLik(fit)))
  }
}

truth_out <- truth                               # named vectors as JSON objects
truth_out$beta <- as.list(truth$beta)
truth_out$linear$beta <- as.list(truth$linear$beta)
out <- list(
  name = "slopes_lme4",
  data_file = "slopes_synthetic.csv",
  source = "simulated by tests/data/scripts/slopes_lme4.R (seed 20261202); fits by R lme4",
  computed_with = paste("R", getRversion(), "lme4", packageVersion("lme4"), "Matrix",
                        packageVersion("Matrix"),
                        if (!is.null(tmb)) paste("glmmTMB", packageVersion("glmmTMB")) else ""),
  truth = truth_out, nobs = n, n_groups = G,
  newdata = newdata,
  models = models, glmmTMB = tmb,
  conventions = c(
    "phase is numeric 0/1 (1 = secondary); phase_label is the same as text",
    "sd: SD of each random effect (intercept '(Intercept)', slope 'phase'); correlation 0 for the uncorrelated fits",
    "ranef cond_sd: square roots of the diagonal of lme4's condVar per inspector",
    "predict_newdata_re0: predict(fit, newdata, re.form = NA, type = 'response')"),
  tolerance = list(coefficients = 1e-3, sd_relative = 1e-3, logLik = 1e-3, se_relative = 5e-3))
writeLines(toJSON(out, digits = 12, auto_unbox = TRUE, matrix = "rowmajor", pretty = TRUE,
                  na = "null"), "tests/data/slopes_lme4.json")
