# Reference values for reliability.agreement.bangdiwala_b: R vcd::agreementplot's Bangdiwala B.
# Run from the repository root: Rscript tests/data/scripts/bangdiwala_vcd.R
# Needs Debian packages r-base-core r-cran-vcd r-cran-jsonlite.
suppressMessages({library(vcd); library(jsonlite)})
pdf(NULL)
cases <- list()
add <- function(name, tab) {
  a <- agreementplot(tab, weights = 1)
  cases[[length(cases) + 1]] <<- list(name = name, table = unclass(tab), B = a$Bangdiwala)
}
add("SexualFun", SexualFun)
add("MSPatients_Winnipeg", MSPatients[, , "Winnipeg"])
add("MSPatients_NewOrleans", MSPatients[, , "New Orleans"])
tab <- matrix(c(40, 10, 2, 12, 35, 9, 3, 14, 30), 3, byrow = TRUE)
add("constructed_3x3", tab)
out <- list(source = "R vcd::agreementplot(tab, weights = 1)$Bangdiwala",
            computed_with = paste("R", getRversion(), "vcd", packageVersion("vcd")),
            tolerance = 1e-10, cases = cases)
writeLines(toJSON(out, digits = 15, auto_unbox = TRUE, matrix = "rowmajor", pretty = TRUE),
           "tests/data/bangdiwala_vcd.json")
