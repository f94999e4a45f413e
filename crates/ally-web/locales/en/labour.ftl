# labour module strings (en).
