# protection module strings (fr).
