# Reference values for Chipao's FGT and Watts, printed by the World Bank PIP engine (wbpip).
#
# Run from the repository root, with wbpip installed (see PROVENANCE.md for the version used):
#   R_LIBS_USER=/path/to/private/lib Rscript tests/reference/measures/wbpip_watts.R \
#     > tests/reference/measures/wbpip_watts.out
# md_compute_poverty_stats is wbpip's microdata poverty function. Its Watts index is
# sum(w ln(z / x) | 0 < x < z) / sum(w): a zero income stays in the population (the
# denominator) and adds nothing to the sum. tests/measures/test_measures_poverty.py pins these.

suppressPackageStartupMessages(library(wbpip))

fmt <- function(v) formatC(v, digits = 15, format = "g")
say <- function(name, s) {
  cat(name, paste(fmt(unlist(s[c("headcount", "poverty_gap", "poverty_severity", "watts")])),
                  collapse = " "), "\n")
}

cat("wbpip", as.character(packageVersion("wbpip")), "\n")
cat("R", R.version$major, R.version$minor, "\n")
cat("date", format(Sys.time(), "%Y-%m-%d", tz = "UTC"), "\n")
cat("columns headcount poverty_gap poverty_severity watts\n")

pov <- wbpip:::md_compute_poverty_stats
say("zero_1_2_3 z=2.5", pov(c(0, 1, 2, 3), rep(1, 4), 2.5))
say("zero_1_2_3 w=2,1,1,1 z=2.5", pov(c(0, 1, 2, 3), c(2, 1, 1, 1), 2.5))
say("no_zero_1_2_3 z=2.5", pov(c(1, 2, 3), rep(1, 3), 2.5))

d <- read.csv("tests/reference/measures/wbpip_synthetic_1.csv", stringsAsFactors = FALSE)
cat("synthetic_zero_incomes", sum(d$welfare == 0), "\n")
for (z in c(1.5e6, 3e6)) {
  say(paste0("synthetic all z=", z), pov(d$welfare, d$weight, z))
  for (a in sort(unique(d$area))) {
    i <- d$area == a
    say(paste0("synthetic ", a, " z=", z), pov(d$welfare[i], d$weight[i], z))
  }
}
