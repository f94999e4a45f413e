# labour module strings (ar).
