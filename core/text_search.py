"""The text-search configuration of customers' own words (unmet wants, survey wishes): English
stemming, so "Saturdays" is found by "Saturday" and "opening" by "open". The indexes on those
columns are built with it, and a query must use the same one to read them."""

SEARCH_CONFIG = "english"
