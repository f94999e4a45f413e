# information module strings (fr).
