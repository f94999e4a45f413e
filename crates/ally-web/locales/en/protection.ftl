# protection module strings (en).
