# Reference values for reliability.gtheory.g_study on simulated data:
#  * the p x (r:t) design (raters nested in teams, both crossed with persons): REML variance
#    components by lme4::lmer(score ~ 1 + (1|p) + (1|t) + (1|t:r) + (1|p:t)), residual =
#    p x (r:t), on a balanced and an unbalanced (15% of the rows dropped) data set;
#  * Henderson's (1953) Method 1 on the unbalanced p x (r:t) data and on an unbalanced
#    p x r x o data set, written here in base R from the method: T_A = sum over the levels
#    of effect A of (level total)^2 / (level count), T_0 = sum y^2, T_mu = (sum y)^2 / N,
#    E(T_A) - E(T_mu) = sum_B (k(A,B) - k(mu,B)) sigma2_B with
#    k(A,B) = sum_a sum_b n_ab^2 / n_a (k(A, residual) = number of levels of A), solved for
#    the components.
# Run from the repository root:
#   Rscript tests/data/scripts/gtheory_nested_lme4.R
# Needs Debian packages r-base-core r-cran-lme4 r-cran-jsonlite.
suppressMessages({library(lme4); library(jsonlite)})
set.seed(2019)
P <- 30; Tn <- 3; R <- 4
sd <- c(p = 1.0, t = 0.5, rt = 0.6, pt = 0.7, e = 0.8)
g <- expand.grid(r = 1:R, t = 1:Tn, p = 1:P)
ep <- rnorm(P, 0, sd["p"]); et <- rnorm(Tn, 0, sd["t"])
ert <- matrix(rnorm(R * Tn, 0, sd["rt"]), R, Tn); ept <- matrix(rnorm(P * Tn, 0, sd["pt"]), P, Tn)
g$score <- ep[g$p] + et[g$t] + ert[cbind(g$r, g$t)] + ept[cbind(g$p, g$t)] +
  rnorm(nrow(g), 0, sd["e"])
# rater labels unique within the study (rater r of team t), as a user's data would have
g$rater <- sprintf("R%d%d", g$t, g$r); g$team <- sprintf("T%d", g$t); g$person <- g$p
fit_nested <- function(d) {
  m <- lmer(score ~ 1 + (1 | person) + (1 | team) + (1 | team:rater) + (1 | person:team),
            data = d, REML = TRUE,
            control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2,
                                                                       rhoend = 1e-12)))
  vc <- as.data.frame(VarCorr(m))
  v <- setNames(vc$vcov, vc$grp)
  list(p = v[["person"]], t = v[["team"]], "r:t" = v[["team:rater"]],
       pt = v[["person:team"]], "pr:t,e" = v[["Residual"]])
}
henderson <- function(y, keys) {
  # keys: named list of factors (the non-residual effects); last component = residual
  keys <- lapply(keys, function(f) droplevels(factor(f)))
  N <- length(y); m <- length(keys)
  Tq <- sapply(keys, function(f) sum(tapply(y, f, sum)^2 / tapply(y, f, length)))
  T0 <- sum(y^2); Tmu <- sum(y)^2 / N
  kfun <- function(fa, fb) { tab <- table(fa, fb); sum(rowSums(tab^2) / rowSums(tab)) }
  kmu <- c(sapply(keys, function(f) sum(table(f)^2) / N), 1)
  K <- matrix(0, m + 1, m + 1)
  for (a in 1:m) {
    for (b in 1:m) K[a, b] <- kfun(keys[[a]], keys[[b]])
    K[a, m + 1] <- nlevels(droplevels(factor(keys[[a]])))
  }
  K[m + 1, ] <- N
  K <- K - matrix(kmu, m + 1, m + 1, byrow = TRUE)
  s <- solve(K, c(Tq, T0) - Tmu)
  as.list(setNames(s, c(names(keys), "residual")))
}
bal <- g[, c("person", "team", "rater", "score")]
unb <- bal[sort(sample(nrow(bal), round(0.85 * nrow(bal)))), ]
hn <- with(unb, henderson(score, list(p = person, t = team, "r:t" = rater,
                                      pt = interaction(person, team))))
# p x r x o, unbalanced
P2 <- 25; R2 <- 4; O2 <- 3
h <- expand.grid(o = 1:O2, r = 1:R2, p = 1:P2)
e <- list(p = rnorm(P2), r = rnorm(R2, 0, 0.5), o = rnorm(O2, 0, 0.3),
          pr = matrix(rnorm(P2 * R2, 0, 0.6), P2), po = matrix(rnorm(P2 * O2, 0, 0.4), P2),
          ro = matrix(rnorm(R2 * O2, 0, 0.2), R2))
h$score <- e$p[h$p] + e$r[h$r] + e$o[h$o] + e$pr[cbind(h$p, h$r)] + e$po[cbind(h$p, h$o)] +
  e$ro[cbind(h$r, h$o)] + rnorm(nrow(h), 0, 0.8)
h <- data.frame(person = h$p, rater = h$r, occasion = h$o, score = h$score)
h <- h[sort(sample(nrow(h), round(0.8 * nrow(h)))), ]
hc <- with(h, henderson(score, list(p = person, r = rater, o = occasion,
                                    pr = interaction(person, rater),
                                    po = interaction(person, occasion),
                                    ro = interaction(rater, occasion))))
out <- list(
  source = "simulated; lme4::lmer REML and Henderson Method 1 in base R (see script)",
  computed_with = paste(R.version.string, "lme4", packageVersion("lme4")),
  tolerance = 1e-4,
  nested_balanced = list(data = bal, lmer = fit_nested(bal)),
  nested_unbalanced = list(data = unb, lmer = fit_nested(unb), henderson = hn),
  crossed_unbalanced = list(data = h, henderson = hc))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, dataframe = "columns"),
           "tests/data/gtheory_nested_lme4.json")
