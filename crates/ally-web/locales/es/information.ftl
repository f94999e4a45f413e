# information module strings (es).
