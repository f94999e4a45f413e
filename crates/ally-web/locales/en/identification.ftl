# identification module strings (en).
