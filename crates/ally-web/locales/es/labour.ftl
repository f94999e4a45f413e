# labour module strings (es).
