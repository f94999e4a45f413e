# protection module strings (ar).
