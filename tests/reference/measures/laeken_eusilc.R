# Reference values for Chipao's income measures, printed by laeken itself.
#
# Run from the repository root, with laeken installed (see PROVENANCE.md for the version used):
#   R_LIBS_USER=/path/to/private/lib Rscript tests/reference/measures/laeken_eusilc.R \
#     > tests/reference/measures/laeken_eusilc.out
# Reads the project's copy of laeken's `eusilc` (tests/reference/measures/eusilc.csv), income
# eqIncome, weight rb050, region db040. tests/measures/test_measures_laeken.py pins the output.
#
# Palma has no laeken function. It is printed here built the way laeken 0.5.x builds S80/S20
# (quintileRatio in R/qsr.R): sum(w x | x > q90) / sum(w x | x <= q40), with q the
# weightedQuantile of laeken, which is Chipao's definition.

suppressPackageStartupMessages(library(laeken))

fmt <- function(v) formatC(v, digits = 15, format = "g")
say <- function(name, v) cat(name, paste(fmt(v), collapse = " "), "\n", sep = " ")

cat("laeken", as.character(packageVersion("laeken")), "\n")
cat("R", R.version$major, R.version$minor, "\n")
cat("date", format(Sys.time(), "%Y-%m-%d", tz = "UTC"), "\n")

palma <- function(x, w) {
  q <- weightedQuantile(x, w, probs = c(0.4, 0.9))
  sum(w[x > q[2]] * x[x > q[2]]) / sum(w[x <= q[1]] * x[x <= q[1]])
}

# The project's CSV is laeken's data set: same rows and regions; incomes and weights were
# written as the shortest decimals, so some differ from laeken's doubles in the last bit. The
# values below are computed on the CSV (what the tests read); the headline values on
# data(eusilc) are printed too, to show that the last bit does not reach the printed digits.
data(eusilc)
csv <- read.csv("tests/reference/measures/eusilc.csv", stringsAsFactors = FALSE)
cat("csv_same_regions", identical(csv$db040, as.character(eusilc$db040)), "\n")
say("csv_max_relative_difference income weight",
    c(max(abs(csv$eqIncome / eusilc$eqIncome - 1), na.rm = TRUE),
      max(abs(csv$rb050 / eusilc$rb050 - 1))))
say("data_eusilc qsr", qsr(eusilc$eqIncome, eusilc$rb050)$value)
say("data_eusilc weightedMedian", weightedMedian(eusilc$eqIncome, eusilc$rb050))
say("data_eusilc gini", gini(eusilc$eqIncome, eusilc$rb050)$value)

x <- csv$eqIncome
w <- csv$rb050
probs <- c(0, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.75, 0.8, 0.9, 1)

say("probs", probs)
say("all weightedQuantile", weightedQuantile(x, w, probs = probs))
say("all weightedMedian", weightedMedian(x, w))
say("all qsr", qsr(x, w)$value)
say("all gini", gini(x, w)$value)
say("all arpt", arpt(x, w))
say("all arpr", arpr(x, w)$value)
say("all palma", palma(x, w))

for (r in sort(unique(csv$db040))) {
  i <- csv$db040 == r
  key <- gsub(" ", "_", r)
  say(paste(key, "weightedQuantile"), weightedQuantile(x[i], w[i], probs = probs))
  say(paste(key, "weightedMedian"), weightedMedian(x[i], w[i]))
  say(paste(key, "qsr"), qsr(x[i], w[i])$value)
  say(paste(key, "gini"), gini(x[i], w[i])$value)
  say(paste(key, "palma"), palma(x[i], w[i]))
}

# Exact ties of the cumulative weight share with p: laeken 0.5.x takes the next income (no
# averaging); laeken 0.4 averaged the two neighbours.
tie_x <- c(1, 2, 3, 4)
say("tie weightedQuantile", weightedQuantile(tie_x, probs = c(0.25, 0.5, 0.75)))
say("tie weightedMedian", weightedMedian(tie_x))
say("tie weighted weightedQuantile", weightedQuantile(tie_x, c(1, 1, 2, 4), probs = c(0.25, 0.5)))
# S80/S20 with ties at the quintiles: ratio of totals, not of means
qx <- c(1, 2, 2, 3, 4, 5, 6, 7, 7, 9)
say("ties qsr", qsr(qx)$value)
say("ties weightedQuantile", weightedQuantile(qx, probs = c(0.2, 0.8)))
