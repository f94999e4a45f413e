# identification module strings (es).
