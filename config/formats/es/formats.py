# The short forms Rapport's pages and emails show, in Spanish: "3 dic 2026, 14:05".
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j M"
