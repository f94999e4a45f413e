# information module strings (en).
