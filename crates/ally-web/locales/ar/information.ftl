# information module strings (ar).
