# R peers of the mixed-model benchmarks (run by benchmarks/_cases.py when Rscript is found).
#
#   Rscript benchmarks/peers.R MODEL DESIGN DATA.csv REPEATS
#
# MODEL: clmm | glmer | glmmTMB | lmer; DESIGN: single | crossed. Reads the simulated
# inspections written by the Python harness, fits once (warm-up: package loading, byte
# compilation; timed, and if it took over 2 s it is the only timing, the rule of the Python
# worker), then REPEATS timed fits, and prints one JSON line with the elapsed
# seconds and the versions. As ours, each timed fit includes the reduced models of the LR
# tests of the random effects: the model without random effect (single design) or each
# random effect left out in turn (crossed design).
args <- commandArgs(trailingOnly = TRUE)
model <- args[1]; design <- args[2]; path <- args[3]; reps <- as.integer(args[4])
pkg <- switch(model, clmm = "ordinal", glmer = "lme4", lmer = "lme4", glmmTMB = "glmmTMB")
if (!requireNamespace(pkg, quietly = TRUE)) {
  cat(sprintf('{"unavailable": "R package %s not installed"}\n', pkg)); quit(status = 0)
}
suppressPackageStartupMessages(library(pkg, character.only = TRUE))
d <- read.csv(path)
d$inspector_id <- factor(d$inspector_id)
if ("school_id" %in% names(d)) d$school_id <- factor(d$school_id)
d$grade_f <- factor(d$grade, ordered = TRUE)
x <- "female + fsm_pct + phase"
re <- if (design == "crossed") c("(1|inspector_id)", "(1|school_id)") else "(1|inspector_id)"
lhs <- switch(model, clmm = "grade_f", glmer = "below_good", glmmTMB = "below_good",
              lmer = "grade")
f <- function(terms) as.formula(paste(lhs, "~", paste(c(x, terms), collapse = " + ")))
fit <- function(terms) {
  if (length(terms) == 0) {
    return(switch(model, clmm = ordinal::clm(f(character(0)), data = d),
                  glmer = glm(f(character(0)), family = binomial, data = d),
                  glmmTMB = glm(f(character(0)), family = binomial, data = d),
                  lmer = lm(f(character(0)), data = d)))
  }
  switch(model,
         clmm = ordinal::clmm(f(terms), data = d),
         glmer = lme4::glmer(f(terms), family = binomial, data = d),
         glmmTMB = glmmTMB::glmmTMB(f(terms), family = binomial, data = d),
         lmer = lme4::lmer(f(terms), data = d, REML = TRUE))
}
work <- function() {
  full <- fit(re)
  if (length(re) == 1) fit(character(0)) else for (k in seq_along(re)) fit(re[-k])
  invisible(full)
}
t0 <- proc.time()[["elapsed"]]
suppressWarnings(suppressMessages(work()))
first <- proc.time()[["elapsed"]] - t0
if (first > 2) {
  times <- first
} else {
  times <- numeric(reps)
  for (i in seq_len(reps)) {
    t0 <- proc.time()[["elapsed"]]
    suppressWarnings(suppressMessages(work()))
    times[i] <- proc.time()[["elapsed"]] - t0
  }
}
cat(sprintf('{"times": [%s], "versions": {"R": "%s", "%s": "%s"}}\n',
            paste(sprintf("%.6f", times), collapse = ", "),
            paste(R.version$major, R.version$minor, sep = "."), pkg,
            as.character(packageVersion(pkg))))
