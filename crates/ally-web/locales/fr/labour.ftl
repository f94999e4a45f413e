# labour module strings (fr).
