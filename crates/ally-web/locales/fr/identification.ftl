# identification module strings (fr).
