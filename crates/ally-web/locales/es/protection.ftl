# protection module strings (es).
