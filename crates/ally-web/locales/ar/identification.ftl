# identification module strings (ar).
